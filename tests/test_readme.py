"""The README stays true to the code: every setting is documented, the two commands are there,
every YAML example validates, and the tour runs as printed against a real `flowplane dev`.

The tour test takes the code blocks of "A five-minute tour" in order and runs them verbatim in
a fresh checkout, as a newcomer would: JSON blocks are GraphiQL's headers, GraphQL blocks are
posted with them (a subscription is opened over the websocket and must answer), a YAML or
Python block whose first line is `# <path>` is saved there, and each `$ ` line of a console
block runs in bash. Only two things are substituted: the port (`127.0.0.1:8000` is another
test's or a person's) and the `fp_…` token placeholder. What the prose promises between the
blocks (synced within seconds, the run's output, archived) is checked by the test's own
queries.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from domain.settings import Settings, env_name
from domain.spec.loader import load_text
from flowplane.embedded import free_port
from tests.processes import DevPlatform, scratch_dir

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Newcomer", "GIT_AUTHOR_EMAIL": "newcomer@example.com",
                "GIT_COMMITTER_NAME": "Newcomer", "GIT_COMMITTER_EMAIL": "newcomer@example.com"}


@dataclass(frozen=True)
class Block:
    lang: str
    text: str


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else None]


def blocks(markdown: str) -> list[Block]:
    return [Block(lang, text) for lang, text in _BLOCK.findall(markdown)]


def steps(markdown: str) -> list[tuple[str, list[Block]]]:
    parts = re.split(r"^### (.+)$", markdown, flags=re.M)
    return [(parts[i], blocks(parts[i + 1])) for i in range(1, len(parts), 2)]


@pytest.mark.parametrize("field_name", sorted(Settings.model_fields))
def test_every_setting_is_documented_in_the_readme(field_name: str) -> None:
    assert f"`{env_name(field_name)}`" in README


def test_readme_shows_the_two_commands() -> None:
    assert "$ make dev" in README and "$ make test" in README


def test_the_readmes_graphql_is_valid_against_the_schema() -> None:
    """Every GraphQL block of the README runs as printed (no hard-coded ids needed)."""
    from graphql import parse, validate

    from graphql_api.schema import build_schema

    schema = build_schema(dev_mode=False)._schema
    documents = [block.text for block in blocks(README) if block.lang == "graphql"]
    assert len(documents) >= 4
    for document in documents:
        assert validate(schema, parse(document)) == [], document
        assert not re.search(r'[Ii]d: "\d+"', document), document


def test_every_yaml_example_validates() -> None:
    examples = [block.text for block in blocks(README) if block.lang == "yaml"]
    assert len(examples) >= 4
    for number, text in enumerate(examples):
        result = load_text(text, f"README.md yaml block {number}")
        assert result.errors == [], result.errors


def test_readme_commands_run_from_the_checkout_venv() -> None:
    """No bare `flowplane …` at a prompt: it is not on the path unless .venv is activated."""
    for block in blocks(README):
        for line in block.text.splitlines():
            assert not line.startswith("$ flowplane "), line


# Tour steps done in the browser; tests/console/ covers them with a real Chromium.
BROWSER_STEPS = frozenset({"The web console"})


@dataclass
class Tour:
    """Runs the tour's blocks in a checkout against a running `flowplane dev`."""

    dev: DevPlatform
    checkout: Path
    headers: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)

    def substitute(self, text: str) -> str:
        return text.replace("127.0.0.1:8000", f"127.0.0.1:{self.dev.port}").replace(
            "fp_…", self.dev.token)

    def run(self, block: Block) -> None:
        text = self.substitute(block.text)
        first = text.splitlines()[0]
        if block.lang == "json":
            self.headers = json.loads(text)
        elif block.lang == "graphql" and text.lstrip().startswith("subscription"):
            self.subscribe_once(text)
        elif block.lang == "graphql":
            data = self.graphql(text)
            assert data, f"no data for\n{text}"
        elif block.lang in ("yaml", "python") and re.match(r"# [\w./-]+(:|$)", first):
            path = self.checkout / first[2:].split(":")[0].strip()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        elif block.lang == "console":
            self.console(text)
        else:
            raise AssertionError(f"the test does not know how to run a {block.lang} block")

    def console(self, text: str) -> None:
        before = self.head()
        for line in text.splitlines():
            if not line.startswith("$ "):
                continue
            result = subprocess.run(
                ["bash", "-c", line[2:]], cwd=self.checkout, capture_output=True, text=True,
                timeout=120, check=False, env=self.environ())
            assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
            self.outputs[line[2:]] = result.stdout + result.stderr
        if self.head() != before:  # the prose promises the sync picks a commit up in seconds
            self.wait_for_sync(self.head())

    def environ(self) -> dict[str, str]:
        drop = ("DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV")
        return {**{k: v for k, v in os.environ.items() if k not in drop}, **GIT_IDENTITY}

    def head(self) -> str:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=self.checkout, text=True,
                              capture_output=True, check=True).stdout.strip()

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(f"{self.dev.url}/graphql", headers=self.headers, timeout=30,
                              json={"query": query, "variables": variables})
        body = response.json()
        assert not body.get("errors"), f"{body['errors']}\n{query}"
        data: dict[str, Any] = body["data"]
        return data

    def subscribe_once(self, document: str) -> None:
        """Subscribe as GraphiQL does (credentials in connection_init); the first message must
        be data."""
        url = f"ws://127.0.0.1:{self.dev.port}/graphql"
        with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")],
                     open_timeout=30) as ws:
            ws.send(json.dumps({"type": "connection_init", "payload": self.headers}))
            assert json.loads(ws.recv(30))["type"] == "connection_ack"
            ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": document}}))
            first = json.loads(ws.recv(30))
        assert first["type"] == "next" and not first["payload"].get("errors"), first

    def wait_for(self, check: Callable[[], bool], what: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.25)
        raise AssertionError(f"not reached within {timeout}s: {what}")

    def wait_for_sync(self, commit: str) -> None:
        query = "{ syncRuns(first: 5) { edges { node { commit status dryRun } } } }"

        def synced() -> bool:
            runs = [edge["node"] for edge in self.graphql(query)["syncRuns"]["edges"]]
            return any(run["commit"] == commit and not run["dryRun"]
                       and run["status"] == "SUCCEEDED" for run in runs)

        self.wait_for(synced, f"a succeeded sync run of {commit}")

    def workflow(self, name: str) -> dict[str, Any]:
        query = ("query ($q: String!) { workflows(filter: {search: $q}) { edges { node { "
                 "name status sourceCommit deploymentPhase } } } }")
        edges = self.graphql(query, q=name)["workflows"]["edges"]
        found = [edge["node"] for edge in edges if edge["node"]["name"] == name]
        return found[0] if found else {}


def _fresh_checkout(root: Path) -> Path:
    """What a clone holds that the tour touches: workflows.d/, .gitignore, and the .venv
    `make dev` would have made (linked: installing another one would take minutes)."""
    root.mkdir()
    shutil.copytree(ROOT / "workflows.d", root / "workflows.d")
    shutil.copy(ROOT / ".gitignore", root / ".gitignore")
    (root / ".venv").symlink_to(ROOT / ".venv")
    env = {**os.environ, **GIT_IDENTITY}
    for args in (["init", "--quiet", "--initial-branch", "main"], ["add", "--all"],
                 ["commit", "--quiet", "-m", "a fresh clone"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    return root


@pytest.fixture
def tour() -> Iterator[Tour]:
    with scratch_dir("flowplane-tour-") as folder:
        checkout = _fresh_checkout(folder / "checkout")
        dev = DevPlatform(checkout, port=free_port()).start()  # `make dev`, on a free port
        try:
            yield Tour(dev, checkout)
        finally:
            dev.stop()


@pytest.mark.slow
def test_the_tour_runs_as_printed(tour: Tour) -> None:
    tour_steps = steps(section("A five-minute tour"))
    assert len(tour_steps) >= 4
    tour.headers = {"Authorization": f"Bearer {tour.dev.token}", "X-Organization-ID": "acme"}
    tour.wait_for_sync(tour.head())  # "the examples of workflows.d/ are already there"
    promises: dict[str, Callable[[], None]] = {
        "Who you are, in GraphiQL": lambda: tour.wait_for(
            lambda: tour.workflow("hello-http").get("deploymentPhase") == "AVAILABLE",
            "hello-http deployed"),
        "A workflow committed to git and synced": lambda: _synced_and_deployed(tour, "greet"),
        "A run, watched live": lambda: _ran(tour),
        "Preview, then remove": lambda: tour.wait_for(
            lambda: tour.workflow("greet").get("status") == "ARCHIVED", "greet archived"),
    }
    titles = [title.split(". ", 1)[1] for title, _ in tour_steps]
    assert set(promises) <= set(titles), titles
    for title, (_, step_blocks) in zip(titles, tour_steps, strict=True):
        for block in step_blocks:
            tour.run(block)
        if title in promises:
            promises[title]()
        # The console step is clicked, not typed: tests/console drives it in a real browser.
        assert step_blocks or title in BROWSER_STEPS, f"step {title!r} has nothing to run"


def _synced_and_deployed(tour: Tour, name: str) -> None:
    greet = tour.workflow(name)
    assert (greet["status"], greet["sourceCommit"]) == ("ACTIVE", tour.head())
    tour.wait_for(lambda: tour.workflow(name)["deploymentPhase"] == "AVAILABLE",
                  f"{name} deployed")


def _ran(tour: Tour) -> None:
    [watched] = [out for command, out in tour.outputs.items() if "watch.py" in command]
    assert "COMPLETED" in watched and "Hello Ada, the API is ok" in watched, watched
