"""Over every YAML file and snippet the project has, and a generated corpus of workflows, the
libyaml fast path loads exactly what ruamel's positioned loader loads: the same documents,
errors with their positions, and content hashes (a changed hash would make every synced
workflow look changed after an upgrade)."""

from __future__ import annotations

import ast
import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest

from domain.spec._fast import AVAILABLE, compose_fast
from domain.spec._guard import Limits
from domain.spec.definition import WorkflowDefinition
from domain.spec.loader import LoadResult, _load_text
from domain.spec.model import WorkflowDocument
from tests.sync.gitrepo import workflow_yaml

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="PyYAML built without libyaml")

ROOT = Path(__file__).parents[2]
LIMITS = Limits()


def _project_files() -> dict[str, str]:
    paths = [*ROOT.glob("workflows.d/**/*.y*ml"), *ROOT.glob("deploy/**/*.y*ml"),
             *ROOT.glob("tests/**/*.y*ml")]
    return {str(p.relative_to(ROOT)): p.read_text() for p in sorted(paths)}


def _test_snippets() -> dict[str, str]:
    """Every string literal of the test suite that declares an apiVersion."""
    snippets: dict[str, str] = {}
    for module in sorted(ROOT.glob("tests/**/*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and "apiVersion" in value:
                snippets[f"{module.relative_to(ROOT)}:{node.lineno}"] = value
    for i, kwargs in enumerate([{}, {"state": "active", "value": "010"}, {"public": True},
                                {"shared": ("bob", "carol"), "owner": "alice"},
                                {"description": "on: 1 # x", "value": "[1, {a: b}]"}]):
        snippets[f"workflow_yaml#{i}"] = workflow_yaml(f"w{i}", **kwargs)  # type: ignore[arg-type]
    return snippets


# Scalars as written: YAML 1.1 / 1.2 differences, quoting, escapes, unicode, long text,
# explicit tags, templates; all of them fit a transform node's free-form `value`.
SCALARS = [
    "on", "off", "yes", "no", "y", "true", "False", "~", "null", "010", "0o10", "0x1f",
    "1_000", "1e3", ".inf", "-.Inf", ".nan", "12:30", "+1", "-0", "3.", "0.5", "-7", "",
    "hello world", "caf\u00e9", "\U0001f600 x", "'single ''q'''", '"dq \\u00e9 \\t \\n"',
    '"{{ input.x }}"', "'{{ nodes.a.output }} and {{ input.y }}'", "a" * 80, "x " * 40,
    "!!str 010", "!!int 42", "!!float 1", "!!bool true", "! 010", '"2024-01-01"',
    "'# not a comment'", '"<<"', "==x", "-x", "a:b",
]
KEYS = ["a", "on", "yes", "010", "'quoted key'", '"caf\u00e9"', "\U0001f600", "k-1", "n_2"]
STRINGS = ["plain text", "'quoted: yes'", '"escaped \\" quote"', "caf\u00e9 \U0001f600",
           "a" * 70, "on", "''"]
TAGS = ["x", "y", "on", "caf\u00e9"]


class _Writer:
    """One random workflow in a random mix of YAML styles (block and flow collections,
    block scalars, anchors, aliases and merges, comments)."""

    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.anchors: list[str] = []
        self.maps: list[str] = []
        self.count = 0

    def anchor(self) -> str:
        self.count += 1
        return f"&a{self.count} "

    def scalar(self, flow: bool) -> str:
        if not flow and self.rnd.random() < 0.08:
            return self.rnd.choice(["|", "|-", ">", ">-", "|+"]) + "\n{i}  line one\n{i}  two\n"
        return self.rnd.choice(SCALARS)

    def value(self, depth: int, flow: bool) -> str:
        roll = self.rnd.random()
        if roll < 0.06 and self.anchors:
            return "*" + self.rnd.choice(self.anchors)
        if depth >= 3 or roll < 0.5:
            return self.scalar(flow)
        anchor = self.anchor() if self.rnd.random() < 0.15 else ""
        if roll < 0.75:
            items = [self.value(depth + 1, True) for _ in range(self.rnd.randint(0, 3))]
            text = anchor + "[" + ", ".join(items) + "]"
        else:
            keys = self.rnd.sample(KEYS, self.rnd.randint(0, 3))
            pairs = [f"{k}: {self.value(depth + 1, True)}" for k in keys]
            if anchor and self.rnd.random() < 0.5:
                self.maps.append(anchor[1:-1])
            text = anchor + "{" + ", ".join(pairs) + "}"
        if anchor:
            self.anchors.append(anchor[1:-1])
        return text

    def params(self, indent: str, flow: bool) -> str:
        if self.maps and self.rnd.random() < 0.3:
            return f"{{<<: *{self.rnd.choice(self.maps)}, value: {self.value(1, True)}}}"
        if not flow and self.rnd.random() < 0.5:
            value = self.value(0, False).replace("{i}", indent + "  ")
            return f"\n{indent}  value: {value}".rstrip("\n")
        anchor = ""
        if self.rnd.random() < 0.2:
            anchor = self.anchor()
            self.maps.append(anchor[1:-1])
        return f"{anchor}{{value: {self.value(0, True)}}}"

    def document(self, name: str) -> str:
        rnd = self.rnd
        lines = ["apiVersion: flowplane/v1", "kind: Workflow", "metadata:",
                 f"  name: {name}", "  organization: acme",
                 f"  description: {rnd.choice(STRINGS)}"]
        if rnd.random() < 0.5:
            lines.append("  tags: [" + ", ".join(rnd.sample(TAGS, 2)) + "]")
        lines += ["spec:", f"  state: {rnd.choice(['draft', 'active', 'paused'])}",
                  "  trigger: " + rnd.choice(["{type: manual}", "\n    type: webhook",
                                              "{type: schedule, cron: '*/5 * * * *'}"])]
        if rnd.random() < 0.3:
            lines.append("  settings: {maxAttempts: 2, concurrency: 010}")
        lines.append("  nodes:")
        count = rnd.randint(1, 5)
        for n in range(count):
            comment = "  # a comment" if rnd.random() < 0.2 else ""
            if rnd.random() < 0.5:
                lines.append(f"    - id: n{n}{comment}\n      type: transform\n      params: "
                             + self.params("      ", flow=False))
            else:
                lines.append(f"    - {{id: n{n}, type: transform, params: "
                             f"{self.params('      ', flow=True)}}}{comment}")
        if count > 1:
            lines.append("  connections:")
            lines += [f"    - {{from: n{n}, to: n{n + 1}}}" for n in range(count - 1)]
        return "\n".join(lines) + "\n"


def _generated(count: int = 400) -> dict[str, str]:
    corpus = {}
    for seed in range(count):
        text = _Writer(seed).document(f"gen-{seed}")
        if seed % 10 == 0:  # a second document in the same file
            text += "---\n" + _Writer(seed + 10_000).document(f"gen-{seed}-b")
        corpus[f"generated-{seed}.yaml"] = text
    return corpus


def _expected_hashes(result: LoadResult) -> list[tuple[str, str | None]]:
    """The hashes as the positioned loader has always computed them, written out here so a
    change to the loader's hashing code cannot hide a change of hash."""
    def digest(value: Any) -> str:  # Any: JSON
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    hashes = []
    for loaded in result.documents:
        document = loaded.document
        definition = None
        if isinstance(document, WorkflowDocument):
            model = WorkflowDefinition.from_document(document)
            definition = digest(model.model_dump(mode="json", by_alias=True))
        hashes.append((digest(document.model_dump(mode="json", by_alias=True)), definition))
    return hashes


def _hashes(result: LoadResult) -> list[tuple[str, str | None]]:
    """The hashes the sync stores: each document's, and its definition's."""
    return [(loaded.content_hash, loaded.definition_hash) for loaded in result.documents]


def _compare(corpus: dict[str, str]) -> tuple[int, int]:
    """(files the fast path answered, valid files); fails on the first difference."""
    answered = valid = 0
    for path, text in corpus.items():
        fast = _load_text(text, path, LIMITS)
        slow = _load_text(text, path, LIMITS, fast=False)
        assert fast == slow, (path, text)
        assert _hashes(fast) == _expected_hashes(slow), (path, text)
        for loaded in fast.documents:
            if loaded.definition is not None:
                assert loaded.definition_hash == loaded.definition.content_hash()
        valid += fast.ok and bool(fast.documents)
        composed = compose_fast(text, LIMITS)
        answered += composed is not None and fast.ok
    return answered, valid


def test_project_files_and_test_snippets_load_the_same_on_both_paths() -> None:
    corpus = {**_project_files(), **_test_snippets()}
    answered, valid = _compare(corpus)
    assert len(corpus) > 50 and valid >= 10, (len(corpus), valid)
    assert answered >= valid * 0.8, (valid, answered)  # a few may be left to the slow path


def test_a_generated_corpus_loads_the_same_with_the_same_hashes() -> None:
    corpus = _generated()
    answered, valid = _compare(corpus)
    # Most generated files are valid workflows the fast path answers: hashes really compared.
    assert valid > len(corpus) * 0.8 and answered > valid * 0.9, (len(corpus), valid, answered)
