"""End to end: `flowplane serve` and a real `flowplane worker` process; a client watching an
execution over graphql-transport-ws sees pending -> running -> completed with the node spans
in between, a client that disconnects mid-run resumes from its cursor, and Apollo Client's
normalised cache (Node) sees the run complete from the subscription's events alone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.events import execution_stream
from domain.executions import start_execution
from tests._node import run_node
from tests.factory import Factory
from tests.graphql_api._ws import auth, position, session, start_of
from tests.graphql_api.conftest import gid
from tests.processes import ApiServer, FlowplaneProcess

WATCH = """subscription($id: ID!, $after: Cursor) {
  executionUpdated(executionId: $id, after: $after) {
    ... on ExecutionEvent { cursor kind status spanStatus span { kind nodeId } }
  }
}"""
# `a` and `c` are instant nodes (their span is written once, when they end, and still announced
# as started, then ended); `b` takes time, so its span is announced as it starts and ends.
NODES = [
    {"id": "a", "type": "transform", "params": {"value": "a"}},
    {"id": "b", "type": "delay", "params": {"seconds": 0.2}},
    {"id": "c", "type": "transform", "params": {"value": "c"}},
]
EDGES = [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}]
POSSIBLE_TYPES = Path(__file__).parents[2] / "possibleTypes.json"


@pytest.fixture(scope="module")
def processes(database_url: str, redis_url: str) -> Iterator[ApiServer]:
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url}
    api = ApiServer(env).start()
    worker = FlowplaneProcess(["worker"], env).start()
    yield api
    worker.stop()
    api.stop()


def _trace(items: list[dict[str, Any]]) -> list[str]:
    """Status changes (a repeated status, e.g. a new attempt's `running`, once) and node spans."""
    out: list[str] = []
    for item in items:
        if item["kind"] == "STATUS" and item["status"] not in out[-1:]:
            out.append(item["status"])
        elif item["kind"] == "SPAN" and item["span"]["kind"] == "NODE":
            out.append(f"{item['span']['nodeId']}:{item['spanStatus']}")
    return out


async def _world(factory: Factory) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    org = await factory.org()
    user = await factory.user(org=org)
    workflow = await factory.workflow(org, user, nodes=NODES, connections=EDGES)
    return user, workflow, auth(await factory.token(user, org), org)


async def test_watching_a_run_shows_pending_running_completed_with_spans_between(
    factory: Factory, processes: ApiServer
) -> None:
    user, workflow, payload = await _world(factory)
    execution = await start_execution(workflow["id"], trigger_type="manual",
                                      triggered_by=user["id"], input={})
    async with session(processes.url, payload) as client:
        await client.subscribe("1", WATCH, id=gid("Execution", execution.id),
                               after=start_of(execution_stream(execution.id)))
        items = await client.until_complete("1", wait=60)
    assert _trace(items) == [
        "PENDING", "RUNNING", "a:RUNNING", "a:COMPLETED", "b:RUNNING", "b:COMPLETED",
        "c:RUNNING", "c:COMPLETED", "COMPLETED",
    ]
    assert [position(i["cursor"]) for i in items] == list(range(1, len(items) + 1))


async def test_a_client_that_disconnects_mid_run_resumes_with_its_cursor(
    factory: Factory, processes: ApiServer
) -> None:
    user, workflow, payload = await _world(factory)
    execution = await start_execution(workflow["id"], trigger_type="manual",
                                      triggered_by=user["id"], input={})
    async with session(processes.url, payload) as client:
        await client.subscribe("1", WATCH, id=gid("Execution", execution.id),
                               after=start_of(execution_stream(execution.id)))
        first = await client.items("1", 3, wait=60)
    async with session(processes.url, payload) as client:
        await client.subscribe("1", WATCH, id=gid("Execution", execution.id),
                               after=first[-1]["cursor"])
        rest = await client.until_complete("1", wait=60)
    cursors = [position(i["cursor"]) for i in first + rest]
    assert cursors == list(range(1, len(cursors) + 1))
    assert _trace(first + rest)[-1] == "COMPLETED"
    assert "c:COMPLETED" in _trace(rest)


async def test_apollo_clients_cache_sees_the_run_complete_from_subscription_events(
    factory: Factory, processes: ApiServer
) -> None:
    _, workflow, payload = await _world(factory)
    seen = await asyncio.to_thread(run_node, "apollo_cache.mjs", {
        "FLOWPLANE_URL": processes.url,
        "FLOWPLANE_TOKEN": payload["Authorization"].removeprefix("Bearer "),
        "FLOWPLANE_ORGANIZATION": payload["X-Organization-ID"],
        "FLOWPLANE_WORKFLOW": gid("Workflow", workflow["id"]),
        "FLOWPLANE_POSSIBLE_TYPES": str(POSSIBLE_TYPES),
    })
    assert (seen["before"], seen["after"]) == ("PENDING", "COMPLETED"), seen
    assert seen["kinds"][0] == "SNAPSHOT", seen
