"""End to end: a `python` node's prints reach a client subscribed to `executionUpdated`
while the node still runs (real `flowplane serve` and `flowplane worker` processes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from domain.events import execution_stream
from domain.executions import start_execution
from engine.sandbox import bwrap_problem
from tests.factory import Factory
from tests.graphql_api._ws import auth, session, start_of
from tests.graphql_api.conftest import gid
from tests.processes import ApiServer, FlowplaneProcess

pytestmark = pytest.mark.skipif(
    bwrap_problem() is not None,
    reason=f"bubblewrap (Debian `bubblewrap`) cannot run a sandbox here: {bwrap_problem()}")
WATCH = """subscription($id: ID!, $after: Cursor) {
  executionUpdated(executionId: $id, after: $after) {
    ... on ExecutionEvent { kind spanStatus span { nodeId } log { level message nodeId } }
  }
}"""
CODE = """
import sys, time
def main(inputs):
    print("warming up")
    time.sleep(1.5)
    print("almost there", file=sys.stderr)
    return {"done": True}
"""


@pytest.fixture(scope="module")
def processes(database_url: str, redis_url: str) -> Iterator[ApiServer]:
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url}
    api = ApiServer(env).start()
    worker = FlowplaneProcess(["worker"], env).start()
    yield api
    worker.stop()
    api.stop()


async def test_prints_arrive_live_between_the_span_events(
    factory: Factory, processes: ApiServer
) -> None:
    org = await factory.org()
    user = await factory.user(org=org)
    workflow = await factory.workflow(org, user, nodes=[
        {"id": "py", "type": "python", "params": {"code": CODE}}], settings={"maxAttempts": 1})
    execution = await start_execution(workflow["id"], trigger_type="manual",
                                      triggered_by=user["id"], input={})
    payload = auth(await factory.token(user, org), org)
    async with session(processes.url, payload) as client:
        await client.subscribe("1", WATCH, id=gid("Execution", execution.id),
                               after=start_of(execution_stream(execution.id)))
        items = await client.until_complete("1", wait=60)
    trace: list[Any] = []
    for item in items:
        if item["kind"] == "SPAN" and item["span"]["nodeId"] == "py":
            trace.append(f"py:{item['spanStatus']}")
        elif item["kind"] == "LOG":
            trace.append((item["log"]["nodeId"], item["log"]["level"], item["log"]["message"]))
    assert trace == ["py:RUNNING", ("py", "INFO", "warming up"),
                     ("py", "WARNING", "almost there"), "py:COMPLETED"]
