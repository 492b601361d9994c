"""Hostile input against a real `flowplane serve`, the sync and `flowplane validate`: oversized
and deeply nested documents, alias bombs, queries past the limits, a flood of subscriptions
on one connection. Each gets a clear error; the server stays up and its memory bounded."""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain._sql import fetch
from graphql_api.documents import MAX_SELECTIONS
from graphql_api.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from tests.factory import Factory
from tests.graphql_api._ws import auth, session
from tests.graphql_api.conftest import gid
from tests.graphql_api.test_subscriptions import EXECUTION
from tests.processes import ApiServer, FlowplaneProcess
from tests.sync.gitrepo import GitRepo, workflow_yaml

pytestmark = [pytest.mark.resilience, pytest.mark.slow]
RSS_GROWTH_LIMIT_KB = 200 * 1024  # generous: an expanded alias bomb would take gigabytes
BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
HOSTILE_YAML = {
    "bomb.yaml": (BILLION_LAUGHS, "alias bomb"),
    "deep.yaml": ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nesting deeper than"),
    "big.yaml": (workflow_yaml("big") + "# " + "x" * (2 * 1024 * 1024) + "\n", "limit of"),
}


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def _nested(depth: int) -> str:
    return ('{ execution(id: "x") { ... on Execution { spans { ' + "children { " * depth + "id"
            + " }" * depth + " } } } }")


def _requests() -> list[tuple[str, Any, str]]:
    """(what, JSON body, expected text in the first error message)."""
    aliases = " ".join(f"a{i}: me {{ email }}" for i in range(5 * MAX_ALIASES))
    fragment_bomb = ("query { ...F } fragment F on Query { "
                     + " ".join(f"x{i}: __typename" for i in range(100))
                     + " }")
    return [
        ("deeper than the limit", {"query": _nested(MAX_DEPTH + 1)}, "maximum operation depth"),
        ("parser-deep nesting", {"query": "{ me " + "{ email " * 900 + "}" * 901},
         "nested too deeply"),
        ("alias bomb", {"query": "{ " + aliases + " }"}, "aliases"),
        ("alias bomb in a fragment", {"query": fragment_bomb}, "aliases"),
        ("past the token limit", {"query": "{ " + "__typename " * (MAX_TOKENS + 1) + "}"},
         "tokens"),
        ("duplicate fields", {"query": "{ " + "me { email } " * 490 + "}"},
         f"more than {MAX_SELECTIONS} fields"),
        ("deeply nested variables", _deep_variables(50_000), "Unable to parse"),
    ]


def _deep_variables(depth: int) -> bytes:
    """A request whose variables nest `depth` lists deep (raw: json.dumps would recurse)."""
    return (b'{"query": "query($v: JSON) { me { email } }", "variables": {"v": '
            + b"[" * depth + b"]" * depth + b"}}")


def _post(api: ApiServer, headers: dict[str, str], body: Any) -> httpx.Response:
    content = json.dumps(body) if not isinstance(body, bytes) else body
    return httpx.post(f"{api.url}/graphql", content=content, timeout=60,
                      headers={**headers, "Content-Type": "application/json"})


async def test_hostile_graphql_gets_clear_errors_and_the_server_stays_up(
    factory: Factory, api: ApiServer
) -> None:
    org = await factory.org()
    user = await factory.user(org=org)
    headers = auth(await factory.token(user, org), org)
    before = rss_kb(api.pid)
    oversized = await asyncio.to_thread(_post, api, headers, b"{" + b" " * (3 * 1024 * 1024))
    assert oversized.status_code == 413
    for what, body, expected in _requests():
        for _ in range(3):
            response = await asyncio.to_thread(_post, api, headers, body)
            assert response.status_code in (200, 400), (what, response.text[:500])
            assert expected in response.text[:500], (what, response.text[:500])
            assert "Unexpected error" not in response.text, what
    await _flood_subscriptions(factory, api, org, headers)
    health = await asyncio.to_thread(httpx.get, f"{api.url}/healthz", timeout=10)
    assert health.status_code == 200
    assert rss_kb(api.pid) - before < RSS_GROWTH_LIMIT_KB


async def _flood_subscriptions(factory: Factory, api: ApiServer, org: dict[str, Any],
                               headers: dict[str, str]) -> None:
    """500 subscriptions on one connection: past the organization's cap they are refused."""
    from tests.graphql_api.test_subscriptions import _execution

    workflow = await factory.workflow(org, await factory.user(org=org))
    execution = await _execution({"org": org, "owner": {"id": workflow["owner"]},
                                  "workflow": workflow})
    cap = int(org["max_subscriptions_per_connection"])
    async with session(api.url, headers) as client:
        for op in range(500):
            await client.subscribe(str(op), EXECUTION, id=gid("Execution", execution))
        first = await client.message("0")
        refused = await client.message("499")
    assert first["type"] == "next", first
    assert "Subscription limit reached" in str(refused["payload"]), (cap, refused)


async def test_hostile_yaml_gets_clear_errors_from_validate_and_the_sync(
    factory: Factory, env: dict[str, str], tmp_path: Path
) -> None:
    await factory.org("acme")  # the organization exists: only the YAML can fail the sync
    repo = GitRepo(tmp_path / "repo")
    for name, (text, _) in HOSTILE_YAML.items():
        repo.write(f"workflows.d/{name}", text)
    repo.write("workflows.d/fine.yaml", workflow_yaml("fine"))
    repo.commit()
    validate = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "flowplane", "validate", str(repo.root / "workflows.d")],
        capture_output=True, text=True, timeout=120, check=False)
    assert validate.returncode != 0
    printed = validate.stdout + validate.stderr
    for name, (_, expected) in HOSTILE_YAML.items():
        assert any(name in line and expected in line
                   for line in printed.splitlines()), (name, printed[-2000:])
    sync = FlowplaneProcess(["sync", "--repo", str(repo.root), "--org", "acme", "--once"], env)
    sync.start()
    assert sync.process is not None
    code = await asyncio.to_thread(sync.process.wait, 120)
    assert code == 1, sync.output()[-2000:]
    results = {Path(r["path"]).name: r for r in await fetch(
        "SELECT path, status, error FROM sync_file_result")}
    for name, (_, expected) in HOSTILE_YAML.items():
        assert results[name]["status"] == "failed", (name, results.get(name))
        assert expected in (results[name]["error"] or ""), (name, results[name])
    workflows = await fetch("SELECT name FROM workflow")
    assert workflows == [{"name": "fine"}], "the valid file beside them was not applied"
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak_kb < 1024 * 1024, f"a child process peaked at {peak_kb} KiB"
