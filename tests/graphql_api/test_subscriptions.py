"""Subscriptions over graphql-transport-ws against a real uvicorn server: state then changes,
resume by cursor, the organization-wide feed, access refusals, caps, and a slow client that
is told it lagged."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from domain._sql import fetch
from domain.access import Actor
from domain.event_log import prune_events
from domain.events import execution_stream, workflow_executions_stream
from domain.recording import (
    LogLine,
    NewExecution,
    SpanClose,
    SpanOpen,
    StatusChange,
    create,
    record,
)
from domain.spec.definition import validate_definition
from domain.sync_runs import set_sync_statuses
from domain.workflow_removal import delete_workflow
from domain.workflows import set_workflow_status, update_workflow
from graphql_api.live_types import event_cursor
from graphql_api.types.scalars import encode_cursor
from tests.factory import Factory
from tests.graphql_api._ws import auth, feed_position, position, session, start_of
from tests.graphql_api.conftest import gid
from tests.processes import ApiServer

EXECUTION = """subscription($id: ID!, $after: Cursor) {
  executionUpdated(executionId: $id, after: $after) {
    __typename
    ... on ExecutionEvent { cursor kind status spanStatus execution { id status }
                            span { kind nodeId status } log { level message } }
    ... on ExecutionNotFound { message }
    ... on InvalidInput { message }
    ... on CursorExpired { code message }
  }
}"""
EXECUTIONS = """subscription($filter: ExecutionFilter, $after: Cursor) {
  executionsUpdated(filter: $filter, after: $after) {
    __typename
    ... on ExecutionEvent { cursor kind status execution { id status workflow { name } } }
    ... on Error { message }
  }
}"""
WORKFLOW = """subscription($id: ID!) {
  workflowUpdated(workflowId: $id) {
    __typename
    ... on WorkflowEvent { cursor kind change { status fromStatus reason version syncStatus
                                                syncError }
                           workflow { status version syncStatus syncError } }
    ... on WorkflowNotFound { message }
  }
}"""
QUEUE_SIZE = 16


@pytest.fixture(scope="module")
def server(database_url: str, redis_url: str) -> Iterator[ApiServer]:
    """`flowplane serve` (uvicorn) on the test database, with small subscriber buffers."""
    api = ApiServer({"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                      "FLOWPLANE_SUBSCRIBER_QUEUE_SIZE": str(QUEUE_SIZE)}).start()
    yield api
    api.stop()


async def _world(factory: Factory, **org_fields: Any) -> dict[str, Any]:
    org = await factory.org(**org_fields)
    owner = await factory.user(org=org)
    workflow = await factory.workflow(org, owner)
    return {"org": org, "owner": owner, "workflow": workflow,
            "token": await factory.token(owner, org)}


async def _execution(world: dict[str, Any]) -> int:
    created = await create(NewExecution(
        organization_id=world["org"]["id"], workflow_id=world["workflow"]["id"],
        trigger_type="manual", triggered_by=world["owner"]["id"], input={},
        workflow_version=1, definition={}, max_attempts=1, queue_name="q",
    ))
    return int(created.execution.id)


async def _run(execution_id: int, node: str = "a") -> None:
    """pending -> running, one node span with a log line, -> completed (as a worker records)."""
    opened = await record(execution_id, StatusChange("running"),
                          SpanOpen(kind="node", node_id=node))
    span = opened.span_ids[0]
    await record(execution_id, LogLine(f"hello from {node}", node_id=node, span_id=span))
    await record(execution_id, SpanClose(span, "completed"))
    await record(execution_id, StatusChange("completed"))


def _summary(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(kind, what changed) per item: the status moved to, or the log line's message."""
    out = []
    for item in items:
        changed = item["status"] or item["spanStatus"] or (item["log"] or {}).get("message")
        out.append((item["kind"], str(changed)))
    return out


async def test_execution_updated_sends_state_then_every_change_until_terminal(
    factory: Factory, server: ApiServer
) -> None:
    world = await _world(factory)
    execution = await _execution(world)
    async with session(server.url, auth(world["token"], world["org"])) as client:
        await client.subscribe("1", EXECUTION, id=gid("Execution", execution))
        [snapshot] = await client.items("1", 1)
        await _run(execution)
        items = await client.until_complete("1")
    assert (snapshot["kind"], snapshot["execution"]["status"]) == ("SNAPSHOT", "PENDING")
    assert _summary(items) == [
        ("STATUS", "RUNNING"), ("SPAN", "RUNNING"), ("LOG", "hello from a"),
        ("SPAN", "COMPLETED"), ("STATUS", "COMPLETED"),
    ]
    assert items[1]["span"] == {"kind": "NODE", "nodeId": "a", "status": "COMPLETED"}
    assert {item["execution"]["id"] for item in items} == {gid("Execution", execution)}
    cursors = [position(snapshot["cursor"])] + [position(item["cursor"]) for item in items]
    assert cursors == list(range(cursors[0], cursors[0] + 6))


async def test_replayed_events_carry_their_change_and_the_current_execution(
    factory: Factory, server: ApiServer
) -> None:
    """A normalised cache fed old events after a cursor never moves a status backwards:
    `status` says what the event changed, `execution` is the execution as it is now."""
    world = await _world(factory)
    execution = await _execution(world)
    await _run(execution)
    async with session(server.url, auth(world["token"], world["org"])) as client:
        await client.subscribe("1", EXECUTION, id=gid("Execution", execution),
                               after=start_of(execution_stream(execution)))
        replayed = await client.until_complete("1")
    assert [item["status"] for item in replayed if item["kind"] == "STATUS"] == [
        "PENDING", "RUNNING", "COMPLETED"]
    assert {item["execution"]["status"] for item in replayed} == {"COMPLETED"}


async def test_resuming_with_the_last_cursor_delivers_exactly_the_missed_events(
    factory: Factory, server: ApiServer
) -> None:
    world = await _world(factory)
    execution = await _execution(world)
    payload = auth(world["token"], world["org"])
    async with session(server.url, payload) as client:
        await client.subscribe("1", EXECUTION, id=gid("Execution", execution))
        await client.items("1", 1)
        await record(execution, StatusChange("running"))
        [running] = await client.items("1", 1)
    await record(execution, LogLine("missed 1"), LogLine("missed 2"))
    async with session(server.url, payload) as client:
        await client.subscribe("1", EXECUTION, id=gid("Execution", execution),
                               after=running["cursor"])
        missed = await client.items("1", 2)
        await record(execution, StatusChange("completed"))
        live = await client.until_complete("1")
    assert _summary(missed) == [("LOG", "missed 1"), ("LOG", "missed 2")]
    assert _summary(live) == [("STATUS", "COMPLETED")]
    assert [position(i["cursor"]) for i in missed + live] == [
        position(running["cursor"]) + n for n in (1, 2, 3)
    ]


async def test_bad_ids_and_cursors_are_invalid_input(factory: Factory, server: ApiServer) -> None:
    world = await _world(factory)
    execution, other = await _execution(world), await _execution(world)
    async with session(server.url, auth(world["token"], world["org"])) as client:
        for op, variables in enumerate((
            {"id": "12"},  # a number, not an id of this API
            {"id": gid("Workflow", world["workflow"]["id"])},  # an id of another type
            {"id": gid("Execution", execution), "after": "WyJ3b3JrZmxvd3MiLCAxXQ"},  # a list's
            {"id": gid("Execution", execution), "after": start_of(execution_stream(other))},
        )):
            await client.subscribe(str(op), EXECUTION, **variables)
            [item] = await client.until_complete(str(op))
            assert item["__typename"] == "InvalidInput", (variables, item)


async def test_cursors_older_than_retention_or_the_event_log_format_have_expired(
    factory: Factory, server: ApiServer
) -> None:
    """Like a Kubernetes watch answered 410 Gone: events after the cursor were pruned (or,
    for a feed, the cursor predates feeds ordered by transaction): CursorExpired, then the
    subscription completes. A cursor after what was pruned still resumes."""
    world = await _world(factory)
    execution = await _execution(world)
    await _run(execution)  # cursors 1..6
    await fetch("UPDATE event SET created_at = now() - interval '1000 hours'"
                " WHERE execution = $1 AND seq <= 2", execution)
    assert await prune_events() >= 2
    stream = execution_stream(execution)
    old_feed = str(encode_cursor(f"{workflow_executions_stream(world['workflow']['id'])}@3"))
    async with session(server.url, auth(world["token"], world["org"])) as client:
        await client.subscribe("1", EXECUTION, id=gid("Execution", execution),
                               after=str(event_cursor(stream, (1, 0))))
        [item] = await client.until_complete("1")
        assert (item["__typename"], item["code"]) == ("CursorExpired", "CURSOR_EXPIRED")
        await client.subscribe("2", EXECUTIONS, after=old_feed,
                               filter={"workflowId": gid("Workflow", world["workflow"]["id"])})
        [item] = await client.until_complete("2")
        assert item["__typename"] == "CursorExpired", item
        await client.subscribe("3", EXECUTION, id=gid("Execution", execution),
                               after=str(event_cursor(stream, (2, 0))))
        assert [i["kind"] for i in await client.until_complete("3")] == [
            "SPAN", "LOG", "SPAN", "STATUS"]


async def test_a_subscription_to_an_unreadable_execution_is_refused_as_not_found(
    factory: Factory, server: ApiServer
) -> None:
    world = await _world(factory)
    execution = gid("Execution", await _execution(world))
    stranger = await factory.user(org=world["org"])  # a member, but not shared with
    other = await _world(factory)  # another organization
    for token, org in ((await factory.token(stranger, world["org"]), world["org"]),
                       (other["token"], other["org"])):
        async with session(server.url, auth(token, org)) as client:
            await client.subscribe("1", EXECUTION, id=execution)
            items = await client.until_complete("1")
            assert items == [{"__typename": "ExecutionNotFound",
                              "message": f"execution {execution} does not exist"}]


async def test_cross_organization_subscriber_gets_nothing_and_bad_tokens_are_rejected(
    factory: Factory, server: ApiServer
) -> None:
    world = await _world(factory)
    other = await _world(factory)
    for payload, code in ((auth(other["token"], world["org"]), 4104),  # not a member there
                          (auth("fp_not-a-token", world["org"]), 4101), ({}, 4101)):
        async with session(server.url, read=False) as client:
            await client.init_raw(payload)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(client.ws.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == code, payload


async def test_executions_updated_follows_one_workflow_from_ready(
    factory: Factory, server: ApiServer
) -> None:
    world = await _world(factory)
    async with session(server.url, auth(world["token"], world["org"])) as client:
        await client.subscribe("1", EXECUTIONS,
                               filter={"workflowId": gid("Workflow", world["workflow"]["id"])})
        [ready] = await client.items("1", 1)  # live from here on
        execution = await _execution(world)
        await _run(execution)
        items = await client.items("1", 3)
    assert (ready["kind"], ready["execution"]) == ("READY", None)
    assert [(i["kind"], i["status"]) for i in items] == [
        ("CREATED", "PENDING"), ("STATUS", "RUNNING"), ("STATUS", "COMPLETED"),
    ]
    assert {i["execution"]["id"] for i in items} == {gid("Execution", execution)}
    positions = [feed_position(i["cursor"]) for i in [ready, *items]]
    assert positions == sorted(set(positions))


async def test_the_organization_feed_shows_only_readable_workflows_and_matches_the_filter(
    factory: Factory, server: ApiServer
) -> None:
    world = await _world(factory)
    member = await factory.user(org=world["org"])
    public = await factory.workflow(world["org"], world["owner"], "public-one", is_public=True)
    private = {**world, "workflow": world["workflow"]}
    shown = {**world, "workflow": public}
    other = await _world(factory)  # another organization's runs never appear
    async with session(server.url, auth(await factory.token(member, world["org"]),
                                        world["org"])) as client:
        await client.subscribe("all", EXECUTIONS)
        await client.subscribe("done", EXECUTIONS, filter={"status": "COMPLETED"})
        await client.items("all", 1)
        await client.items("done", 1)
        for source in (private, other, shown):
            await _run(await _execution(source))
        everything = await client.items("all", 3)
        completed = await client.items("done", 1)
    assert [(i["kind"], i["status"], i["execution"]["workflow"]["name"]) for i in everything] == [
        ("CREATED", "PENDING", "public-one"), ("STATUS", "RUNNING", "public-one"),
        ("STATUS", "COMPLETED", "public-one")]
    assert [(i["status"], i["execution"]["workflow"]["name"]) for i in completed] == [
        ("COMPLETED", "public-one")]


async def test_workflow_updated_sends_state_then_status_version_and_sync_changes(
    factory: Factory, server: ApiServer
) -> None:
    world = await _world(factory)
    owner = Actor(world["owner"]["id"], world["org"]["id"], "member")
    workflow_id = int(world["workflow"]["id"])
    definition, errors = validate_definition(
        {"nodes": [{"id": "start", "type": "transform", "params": {"value": "v2"}}]})
    assert definition is not None, errors
    async with session(server.url, auth(world["token"], world["org"])) as client:
        await client.subscribe("1", WORKFLOW, id=gid("Workflow", workflow_id))
        [snapshot] = await client.items("1", 1)
        await set_workflow_status(owner, workflow_id, "paused", "paused by hand")
        await update_workflow(owner, workflow_id, definition=definition)
        await set_sync_statuses(world["org"]["id"], [(workflow_id, "error", "a.yaml:1:1: bad")])
        changes = await client.items("1", 3)
        await delete_workflow(owner, workflow_id)
        rest = await client.until_complete("1")
    assert (snapshot["kind"], snapshot["workflow"]["status"]) == ("SNAPSHOT", "DRAFT")
    assert [item["kind"] for item in changes] == ["STATUS", "VERSION", "SYNC"]
    status, version, synced = (item["change"] for item in changes)
    assert (status["status"], status["fromStatus"], status["reason"]) == (
        "PAUSED", "DRAFT", "paused by hand")
    assert (version["version"], version["status"]) == (2, None)
    assert (synced["syncStatus"], synced["syncError"]) == ("ERROR", "a.yaml:1:1: bad")
    assert changes[-1]["workflow"] == {"status": "PAUSED", "version": 2, "syncStatus": "ERROR",
                                       "syncError": "a.yaml:1:1: bad"}
    cursors = [position(item["cursor"]) for item in [snapshot, *changes]]
    assert cursors == sorted(set(cursors))
    assert [(item["kind"], item["workflow"]) for item in rest] == [("DELETED", None)]


async def test_subscriptions_per_connection_are_capped_by_the_organization(
    factory: Factory, server: ApiServer
) -> None:
    world = await _world(factory, max_subscriptions_per_connection=2)
    execution = await _execution(world)
    async with session(server.url, auth(world["token"], world["org"])) as client:
        for op in ("1", "2", "3"):
            await client.subscribe(op, EXECUTION, id=gid("Execution", execution))
        await client.items("1", 1)
        await client.items("2", 1)
        refused = await client.message("3")
    assert refused["type"] in ("error", "next")
    assert "Subscription limit reached" in str(refused["payload"])


async def test_connections_per_user_are_capped_by_the_organization(
    factory: Factory, server: ApiServer
) -> None:
    world = await _world(factory, max_connections_per_user=1)
    payload = auth(world["token"], world["org"])
    async with session(server.url, payload), session(server.url, read=False) as second:
        await second.init_raw(payload)
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(second.ws.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4129
    async with session(server.url, payload):  # the slot was freed when the first closed
        pass


def _small_socket(url: str) -> socket.socket:
    """A client socket with a small receive buffer, so an unread client backs up quickly."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", int(url.rsplit(":", 1)[1])))
    sock.setblocking(False)
    return sock


async def test_a_slow_client_is_told_it_lagged_while_a_fast_one_is_unaffected(
    factory: Factory, server: ApiServer
) -> None:
    world = await _world(factory)
    execution = await _execution(world)
    payload = auth(world["token"], world["org"])
    big = "x" * 65536
    batches, per_batch = 30, 10
    async with session(server.url, payload) as fast, session(
        server.url, payload, read=False, max_queue=1, compression=None,
        sock=_small_socket(server.url),
    ) as slow:
        for client in (fast, slow):
            await client.subscribe("1", EXECUTION, id=gid("Execution", execution))
        await fast.items("1", 1)
        for batch in range(batches):  # paced by the fast client: it never falls behind
            await record(execution, *(LogLine(f"{batch}:{i}:{big}") for i in range(per_batch)))
            assert len(await fast.items("1", per_batch)) == per_batch
        slow.start_reading()
        received = await slow.until_complete("1", wait=30)
    *events, lagged = received
    assert lagged["kind"] == "LAGGED"
    assert events[0]["kind"] == "SNAPSHOT"
    assert 1 < len(events) < batches * per_batch
    assert lagged["cursor"] == events[-1]["cursor"]
    async with session(server.url, payload) as again:
        await again.subscribe("1", EXECUTION, id=gid("Execution", execution),
                              after=lagged["cursor"])
        rest = await again.items("1", batches * per_batch + 1 - len(events))
    assert [position(i["cursor"]) for i in events + rest] == list(
        range(1, batches * per_batch + 2))
