"""Issue 12's "done when", under `flowplane dev` as `make dev` runs it: a git-committed workflow
whose `python` node (its code in a `.py` file beside the YAML) imports a package of its
environment (installed by the deploy) and reads a data source through `flowplane.sdk` runs;
its prints reach an `executionUpdated` subscriber as they are written (between the node's
span events); and the escape attempts fail. The second run is served by a warm guest and
still holds nothing of the first."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import httpx
import pytest

from engine.sandbox import bwrap_problem
from graphql_api.types.ids import decode_id
from tests.graphql_api._ws import session, start_of
from tests.processes import DevPlatform, scratch_dir
from tests.sync.gitrepo import GitRepo

pytestmark = pytest.mark.skipif(
    bwrap_problem() is not None,
    reason=f"bubblewrap (Debian `bubblewrap`) cannot run a sandbox here: {bwrap_problem()}")
PLANTED = "FLOWPLANE_TEST_PLANTED_SECRET"
RESOURCES = """apiVersion: flowplane/v1
kind: Environment
metadata: {name: with-six, organization: acme}
spec:
  python: {packages: ["six==1.17.0"]}
---
apiVersion: flowplane/v1
kind: DataSource
metadata: {name: warehouse, organization: acme}
spec: {type: postgres, host: db.internal, database: sales, user: report}
"""
WORKFLOW = """apiVersion: flowplane/v1
kind: Workflow
metadata: {name: report, organization: acme, owner: alice}
spec:
  state: active
  trigger: {type: manual}
  deployment: {environment: with-six}
  nodes:
    - {id: job, type: python, dataSource: warehouse, params: {file: report.py}}
"""
CODE = '''import os, time
import six
from flowplane import sdk

seen = []


def attempt(action):
    try:
        return "ESCAPED: " + repr(action())
    except Exception as error:
        return "refused: " + type(error).__name__


def main(inputs):
    seen.append(inputs["execution"]["id"])
    print("importing done")
    time.sleep(0.5)
    source = sdk.data_source("warehouse")
    print("read", source["host"])
    return {
        "six": six.__version__, "sixFile": six.__file__, "host": source["host"],
        "database": source["database"], "seen": list(seen),
        "escapes": {
            "env": attempt(lambda: os.environ["PLANTED"]),
            "proc1": attempt(lambda: "PLANTED" in open("/proc/1/environ").read() or 1 / 0),
            "write-root": attempt(lambda: open("/planted", "w").write("x")),
            "write-usr": attempt(lambda: open("/usr/lib/planted", "w").write("x")),
            "workdir-of-dev": attempt(lambda: os.listdir(inputs["input"]["home"])),
        },
    }
'''.replace("PLANTED", PLANTED)
WATCH = """subscription($id: ID!, $after: Cursor) {
  executionUpdated(executionId: $id, after: $after) {
    ... on ExecutionEvent { kind spanStatus span { nodeId } log { level message nodeId } }
  }
}"""
RUN = """mutation($id: ID!, $input: JSON) {
  runWorkflow(workflowId: $id, input: $input) { __typename ... on Execution { id } }
}"""
HEADERS = {"X-Organization-ID": "acme"}


def _graphql(dev: DevPlatform, query: str, **variables: Any) -> dict[str, Any]:
    response = httpx.post(f"{dev.url}/graphql", json={"query": query, "variables": variables},
                          headers={**HEADERS, "Authorization": f"Bearer {dev.token}"},
                          timeout=10)
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"])


def _report(dev: DevPlatform) -> dict[str, Any] | None:
    data = _graphql(dev, "{ workflows(first: 20) { edges { node { id name deploymentPhase "
                         "deploymentError } } } }")
    found = [e["node"] for e in data["workflows"]["edges"] if e["node"]["name"] == "report"]
    return found[0] if found else None


def _deployed(dev: DevPlatform) -> dict[str, Any]:
    deadline = time.monotonic() + 240  # the sync, then pip installing six from PyPI
    report = None
    while time.monotonic() < deadline:
        try:
            report = _report(dev)
        except httpx.HTTPError:
            report = None
        if report is not None and report["deploymentPhase"] == "AVAILABLE":
            return report
        time.sleep(0.5)
    raise AssertionError(f"report not deployed: {report}\n{dev.output()[-3000:]}")


async def _run_and_watch(dev: DevPlatform, workflow_id: str, home: str
                         ) -> tuple[list[Any], dict[str, Any]]:
    payload = {**HEADERS, "Authorization": f"Bearer {dev.token}"}
    run = await asyncio.to_thread(_graphql, dev, RUN, id=workflow_id, input={"home": home})
    execution = run["runWorkflow"]
    assert execution["__typename"] == "Execution", execution
    pk = decode_id(execution["id"], "Execution", "id")
    async with session(dev.url, payload) as client:
        await client.subscribe("1", WATCH, id=execution["id"], after=start_of(f"execution:{pk}"))
        items = await client.until_complete("1", wait=120)
    trace: list[Any] = []
    for item in items:
        if item.get("kind") == "SPAN" and item["span"]["nodeId"] == "job":
            trace.append(f"job:{item['spanStatus']}")
        elif item.get("kind") == "LOG" and item["log"]["nodeId"] == "job":
            trace.append((item["log"]["level"], item["log"]["message"]))
    done = await asyncio.to_thread(
        _graphql, dev, "query($id: ID!) { execution(id: $id) { ... on Execution "
                       "{ status error outputs } } }", id=execution["id"])
    return trace, done["execution"]


def test_a_committed_python_workflow_runs_with_its_packages_data_source_and_live_prints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PLANTED, "s3cret-of-the-platform")  # dev's environment, and so its parts'
    with scratch_dir("flowplane-dev-") as folder:
        repo = GitRepo(folder / "repo")
        repo.write(".gitignore", ".flowplane/\n")
        repo.write("workflows.d/resources.yaml", RESOURCES)
        repo.write("workflows.d/report.yaml", WORKFLOW)
        repo.write("workflows.d/report.py", CODE).commit("a python report")
        dev = DevPlatform(repo.root).start()
        try:
            report = _deployed(dev)
            outputs = []
            for _ in range(2):  # the second run is served by the workflow's warm guest
                trace, execution = asyncio.run(_run_and_watch(dev, report["id"], str(folder)))
                assert execution["status"] == "COMPLETED", execution["error"]
                # The prints were written while the node ran: between its span events.
                assert trace == ["job:RUNNING", ("INFO", "importing done"),
                                 ("INFO", "read db.internal"), "job:COMPLETED"], trace
                outputs.append(execution["outputs"]["job"]["output"])
        finally:
            dev.stop()
    for output in outputs:
        # From the environment's package directory, not the platform's own site-packages.
        assert output["six"] == "1.17.0" and "/python-envs/" in output["sixFile"]
        assert (output["host"], output["database"]) == ("db.internal", "sales")
        assert len(output["seen"]) == 1  # nothing of the first run in the second
        assert {k: v for k, v in output["escapes"].items() if not v.startswith("refused")} == {}
    assert outputs[0]["seen"] != outputs[1]["seen"]
    assert os.environ[PLANTED]  # it was there to steal
