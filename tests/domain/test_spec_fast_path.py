"""The libyaml fast path answers exactly as ruamel's pure parser does, or not at all."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.spec._compose import ComposedDocument, compose_documents
from domain.spec._fast import AVAILABLE, compose_fast
from domain.spec._guard import Limits
from domain.spec.loader import _load_text

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="PyYAML built without libyaml")

ROOT = Path(__file__).parents[2]
FIXTURES = sorted([*ROOT.glob("workflows.d/*.yaml"), *ROOT.glob("tests/**/fixtures/**/*.yaml")])
LIMITS = Limits()

# Scalars where YAML 1.1 (libyaml's resolver) and 1.2 (ruamel's) disagree, block scalars,
# anchors and merges, flow collections, characters outside the BMP; several documents.
TRICKY = """\
plain: [on, off, yes, no, y, n, true, False, ~, null, "", '']
numbers: [010, 0o10, 0x1f, 1_000, 1e3, .inf, -.Inf, .nan, 12:30, +1, -0, 3.]
strings: ["quoted #x", 'single ''q''', "\\u00e9\\t", caf\u00e9 \U0001f600 after]
block: |
  line one
    indented
folded: >-
  a
  b
base: &base {cpu: 0.5, memory: 1Gi}
merged: {<<: *base, cpu: 1}
list: &l [1, [2, [3, {k: v}]]]
again: *l
? complex key
: value
empty:
"quoted key": 1
emoji: {"😀😀": 1, after: 2}
"""
SEVERAL = "---\na: [on, 010]\n---\n- second document\n- {a: 1, b: [x, y]}\n---\n"


def _same(fast: list[ComposedDocument], slow: list[ComposedDocument]) -> None:
    assert [d.data for d in fast] == [d.data for d in slow]
    assert [d.positions for d in fast] == [d.positions for d in slow]
    assert [d.issues for d in fast] == [d.issues for d in slow]
    assert [d.line for d in fast] == [d.line for d in slow]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(ROOT)))
def test_fixtures_compose_and_load_the_same_on_both_paths(path: Path) -> None:
    text = path.read_text()
    fast = compose_fast(text, LIMITS)
    assert fast is not None, "the fast path declined a valid fixture"
    _same(fast, compose_documents(text))
    assert _load_text(text, str(path), LIMITS) == _load_text(text, str(path), LIMITS, fast=False)


def test_tricky_scalars_positions_and_documents_are_the_same() -> None:
    for text in (TRICKY, SEVERAL):
        composed = compose_fast(text, LIMITS)
        assert composed is not None
        _same(composed, compose_documents(text))
    fast = compose_fast(TRICKY, LIMITS)
    assert fast is not None
    assert fast[0].data["plain"][:4] == ["on", "off", "yes", "no"]  # YAML 1.2: strings
    line = TRICKY.splitlines().index('emoji: {"\U0001f600\U0001f600": 1, after: 2}')
    column = TRICKY.splitlines()[line].index("after") + 1  # in characters, not bytes
    assert fast[0].positions[("emoji", "after")] == (line + 1, column)


INVALID = {
    "syntax": ("spec: [unclosed\nmetadata: {}\n", (2, 9)),  # the `:` after `metadata`
    "duplicate key": ("apiVersion: flowplane/v1\nkind: Model\nkind: Model\n", (3, 1)),
    "wrong field": (
        "apiVersion: flowplane/v1\nkind: Model\nmetadata: {name: m, organization: acme}\n"
        "spec: {provider: openai, model: x, apiKeyRef: {env: K}, colour: red}\n", (4, 57)),
    "alias bomb": ("a: &a [x, x]\nb: [*a, *a, *a]\nc: *zzz\n", (3, 4)),
    "yaml 1.1 directive": ("%YAML 1.1\n---\napiVersion: 1\n", None),
    "lone surrogate": ("a: \ud800\n", (1, 4)),  # libyaml cannot even take it as UTF-8
}


@pytest.mark.parametrize("case", INVALID, ids=list(INVALID))
def test_errors_come_from_the_slow_path_with_their_exact_position(case: str) -> None:
    text, where = INVALID[case]
    result = _load_text(text, "bad.yaml", LIMITS)
    assert result == _load_text(text, "bad.yaml", LIMITS, fast=False)
    assert result.errors
    if where is not None:
        assert where in [(error.line, error.column) for error in result.errors], result.errors


WORKFLOW = ("apiVersion: flowplane/v1\nkind: Workflow\nmetadata: {name: w, organization: a}\n"
            "spec:\n  nodes:\n    - id: n\n      type: transform\n      params:\n        value: ")
# Where libyaml and ruamel read different things, in otherwise valid workflows.
DIVERGENT = {
    # ruamel reads the tags as `!,` and `tag:yaml.org,2002:str,` (which the guard refuses).
    "tag before a flow indicator": WORKFLOW + "[!, !!str, 1]\n",
    # libyaml does not flag an empty `!` scalar as plain: it would stay a string.
    "empty ! scalar": WORKFLOW + "!\n",
    "tab after a value": WORKFLOW + "x\t\n",
    # libyaml's anchor names end before `:` (`{"": 1}` anchored `x`); ruamel's is `x:` (on 1).
    "anchor before a colon": WORKFLOW + "[&x: 1]\n",
    # NEL breaks a line for libyaml (YAML 1.1), not for ruamel (1.2): the document's line.
    "NEL": "\x85" + WORKFLOW + "x\n",
    # ruamel refuses a byte order mark starting a line after the first.
    "byte order mark after the start": WORKFLOW + "1\n\ufeff",
    # A block scalar as the document: a `#` line in column 0 is content to ruamel, a
    # comment to libyaml (found by the property test below).
    "block scalar document": "! |\n# c",
}


@pytest.mark.parametrize("case", DIVERGENT, ids=list(DIVERGENT))
def test_where_the_parsers_differ_the_loader_answers_as_ruamel(case: str) -> None:
    text = DIVERGENT[case]
    assert _load_text(text, "d.yaml", LIMITS) == _load_text(text, "d.yaml", LIMITS, fast=False)


@pytest.mark.parametrize("text", ["|\n# c", "--- &x >\n\n# c\n", "|-\n#\n"])
def test_a_block_scalar_document_goes_down_the_slow_path(text: str) -> None:
    assert compose_fast(text, LIMITS) is None
    assert "#" in compose_documents(text)[0].data  # content to ruamel, not a comment


TOKENS = st.sampled_from(
    [
        "a", "kind", "1", "010", "0x1F", "~", "on", "true", ": ", "\n", "\n  ", "- ", "? ",
        "[", "]", "{", "}", ", ", "&x ", "*x", "<<: ", "!!int ", "!!str ", "!t ", "---\n",
        "...\n", "\"", "'", "|\n", ">-\n", "# c", "\t", "\u00e9", "\U0001f600", "\\n",
        "! ", "&y ", "*y", "!!float ", "!!merge ", "2024-01-01", "=", "<<", "[*x]", "!",
        "!!str",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(TOKENS, max_size=40).map("".join))
def test_whenever_the_fast_path_answers_the_slow_path_agrees(text: str) -> None:
    """A file loads the same either way. (Composed data and positions may differ only in
    files that have errors anyway, e.g. libyaml marks an empty value one column earlier:
    any error sends the file down the slow path.)"""
    assert _load_text(text, "f.yaml", LIMITS) == _load_text(text, "f.yaml", LIMITS, fast=False)


VALUES = ["on", "010", "0x1F", "~", "'q'", '"\\u00e9"', "a b", "1.5", "[1, x]", "{k: v}", "",
          ">-\n          folded", "|\n          kept", "!", "! 010", "! ''", "[! a, ! 1]"]


@pytest.mark.filterwarnings("ignore::ruamel.yaml.error.ReusedAnchorWarning")
@settings(max_examples=400, deadline=None)
@given(st.lists(TOKENS, max_size=40).map("".join))
def test_whenever_the_fast_path_composes_a_mapping_it_holds_the_same_data(text: str) -> None:
    """Composed directly, not through validation (which sends most random texts down the slow
    path): a mapping the fast path composes is the slow path's, wherever that has no issue."""
    fast = compose_fast(text, LIMITS)
    try:
        slow = compose_documents(text)
    except Exception:  # whatever ruamel raises, the loader reports as an error
        return
    if fast is None or any(d.issues or not isinstance(d.data, dict) for d in slow):
        return
    assert [d.data for d in fast] == [d.data for d in slow]
    assert [d.line for d in fast] == [d.line for d in slow]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(VALUES), min_size=1, max_size=6))
def test_valid_documents_load_the_same_data_on_both_paths(values: list[str]) -> None:
    text = "apiVersion: flowplane/v1\nkind: Workflow\nmetadata: {name: w, organization: a}\n"
    text += "spec:\n  nodes:\n" + "".join(
        f"    - id: n{i}\n      type: transform\n      params:\n        value: {value}\n"
        for i, value in enumerate(values))
    fast = _load_text(text, "w.yaml", LIMITS)
    assert fast.ok, fast.errors
    assert compose_fast(text, LIMITS) is not None
    assert fast == _load_text(text, "w.yaml", LIMITS, fast=False)


ALIASED = """\
apiVersion: flowplane/v1
kind: Workflow
metadata: {name: w, organization: a}
spec:
  nodes:
    - id: n
      type: transform
      params:
        value:
          base: &base {cpu: 0.5, memory: [1Gi, &m 2Gi]}
          list: &l [*m, [x, {k: *m}]]
          uses: [*base, *l, *l, {<<: *base, cpu: 1}, {<<: [*base, {gpu: 0}]}]
          again: {<<: {a: &inner [1, 2]}, b: *inner}
"""


@pytest.mark.parametrize("limit", range(0, 120, 2))
def test_at_every_node_and_alias_limit_both_paths_agree(limit: int) -> None:
    """The fast path counts what it walks (never less than the guard counts): it answers
    only where the guard lets the file through, at every limit."""
    for limits in (Limits(max_nodes=limit), Limits(max_aliases=limit // 4),
                   Limits(max_depth=limit // 8)):
        fast = _load_text(ALIASED, "a.yaml", limits)
        assert fast == _load_text(ALIASED, "a.yaml", limits, fast=False), limits


def test_the_aliased_file_loads_on_the_fast_path_within_the_limits() -> None:
    assert _load_text(ALIASED, "a.yaml", LIMITS).ok
    assert compose_fast(ALIASED, LIMITS) is not None
    # The limits above cross where the guard starts to refuse it.
    assert not _load_text(ALIASED, "a.yaml", Limits(max_nodes=60), fast=False).ok
    assert not _load_text(ALIASED, "a.yaml", Limits(max_aliases=7), fast=False).ok
    assert not _load_text(ALIASED, "a.yaml", Limits(max_depth=9), fast=False).ok


def _nested(depth: int) -> str:
    return "a: " + "[" * depth + "x" + "]" * depth + "\n"


HOSTILE = {
    "one level too deep": (_nested(64), "nesting deeper than 64 levels"),
    "too many aliases": ("a: &a x\nb: [" + ", ".join(["*a"] * 101) + "]\n", "too many aliases"),
    "recursive alias": ("a: &a [1, *a]\n", "recursive alias *a"),
    "recursive merge": ("a: &m {b: 1, <<: *m}\n", "recursive alias *m"),
    "anchor defined twice": ("a: &x 1\nb: &x 2\n", "anchor &x is defined twice"),
    "unknown alias": ("a: *nowhere\n", "nowhere"),
    "tag": ("a: !!python/object:os.system x\n", "is not allowed"),
    "alias bomb": ("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
        for i in range(8)), "alias bomb"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_the_fast_path_declines_whatever_the_guard_refuses(case: str) -> None:
    text, message = HOSTILE[case]
    assert compose_fast(text, LIMITS) is None
    result = _load_text(text, "h.yaml", LIMITS)
    assert any(message in error.message for error in result.errors), result.errors


def test_the_fast_path_answers_up_to_the_limits() -> None:
    at_limits = [_nested(63), "a: &a x\nb: [" + ", ".join(["*a"] * 100) + "]\n"]
    for text in at_limits:
        assert compose_fast(text, LIMITS) is not None
        assert _load_text(text, "l.yaml", LIMITS) == _load_text(text, "l.yaml", LIMITS, False)
