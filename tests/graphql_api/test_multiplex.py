"""Multiplexed subscription events against a real `flowplane serve`: subscribers with the same
document, variables and caller get one execution of each event and the same bytes; another
caller gets its own execution and sees what it may see. Executions are counted by the
server's own metric (flowplane_subscription_event_results_total). A slow subscriber of a
shared group not slowing a fast one is test_subscriptions' lag test (both clients there share
a token, so they are one group); a revoked member of a group ending while the others go on is
test_reauth's revoked-token test (one user's two tokens: one group)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from domain.events import execution_stream
from domain.recording import StatusChange, record
from tests.factory import Factory
from tests.graphql_api._ws import PROTOCOL, auth, start_of
from tests.graphql_api.conftest import gid
from tests.graphql_api.test_subscriptions import _execution
from tests.processes import ApiServer
from tests.scrape import Samples, delta, scrape

WATCH = """subscription($id: ID!) {
  executionUpdated(executionId: $id) {
    ... on ExecutionEvent { cursor kind status execution { id workflow { name webhookUrl } } }
  }
}"""
RESULTS = "flowplane_subscription_event_results_total"


@pytest.fixture(scope="module")
def server(database_url: str, redis_url: str) -> Iterator[ApiServer]:
    api = ApiServer({"DATABASE_URL": database_url, "REDIS_URL": redis_url}).start()
    yield api
    api.stop()


@asynccontextmanager
async def _watching(server: ApiServer, payload: dict[str, str], execution: int
                    ) -> AsyncIterator[ClientConnection]:
    """A socket subscribed to the execution, its SNAPSHOT read: the next frame is an event."""
    url = server.url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "w", "type": "subscribe", "payload": {
            "query": WATCH, "variables": {"id": gid("Execution", execution)}}}))
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert snapshot["payload"]["data"]["executionUpdated"]["kind"] == "SNAPSHOT", snapshot
        yield ws


async def _frame(ws: ClientConnection) -> str:
    raw = await asyncio.wait_for(ws.recv(), 15)
    assert isinstance(raw, str)
    return raw


def _item(frame: str) -> dict[str, Any]:
    message = json.loads(frame)
    assert message["type"] == "next", message
    item: dict[str, Any] = message["payload"]["data"]["executionUpdated"]
    return item


async def _results(server: ApiServer) -> Samples:
    return await asyncio.to_thread(scrape, f"{server.url}/metrics")


async def _webhook_world(factory: Factory) -> dict[str, Any]:
    """A public, active webhook workflow of its owner, and a member who may only read it."""
    org = await factory.org()
    owner, reader = await factory.user(org=org), await factory.user(org=org)
    workflow = await factory.workflow(org, owner, status="active", is_public=True,
                                      trigger={"type": "webhook"}, webhook_token="t0ken")
    return {"org": org, "owner": owner, "workflow": workflow,
            "owner_auth": auth(await factory.token(owner, org), org),
            "reader_auth": auth(await factory.token(reader, org), org)}


async def test_subscribers_with_one_document_and_caller_share_one_execution_and_its_bytes(
    factory: Factory, server: ApiServer
) -> None:
    world = await _webhook_world(factory)
    execution = await _execution(world)
    async with _watching(server, world["owner_auth"], execution) as one, \
            _watching(server, world["owner_auth"], execution) as two:
        before = await _results(server)
        await record(execution, StatusChange("running"))
        first, second = await _frame(one), await _frame(two)
        after = await _results(server)
    assert _item(first)["status"] == "RUNNING"
    assert _item(first)["execution"]["workflow"]["webhookUrl"].endswith("/webhooks/t0ken")
    # The same payload bytes: only the operation id around them is the subscriber's.
    assert first == second
    assert delta(before, after, RESULTS, outcome="executed") == 1
    assert delta(before, after, RESULTS, outcome="shared") == 1


async def test_callers_who_may_see_different_things_get_their_own_execution(
    factory: Factory, server: ApiServer
) -> None:
    world = await _webhook_world(factory)
    execution = await _execution(world)
    async with _watching(server, world["owner_auth"], execution) as owner, \
            _watching(server, world["reader_auth"], execution) as reader:
        before = await _results(server)
        await record(execution, StatusChange("running"))
        for_owner, for_reader = _item(await _frame(owner)), _item(await _frame(reader))
        after = await _results(server)
    assert for_owner["cursor"] == for_reader["cursor"]
    # Only a caller who may run the workflow is given its webhook URL.
    assert for_owner["execution"]["workflow"]["webhookUrl"].endswith("/webhooks/t0ken")
    assert for_reader["execution"]["workflow"]["webhookUrl"] is None
    assert delta(before, after, RESULTS, outcome="executed") == 2
    assert delta(before, after, RESULTS, outcome="shared") == 0


async def test_subscribers_of_different_variables_are_executed_apart(
    factory: Factory, server: ApiServer
) -> None:
    world = await _webhook_world(factory)
    first, second = await _execution(world), await _execution(world)
    async with _watching(server, world["owner_auth"], first) as one, \
            _watching(server, world["owner_auth"], second) as two:
        before = await _results(server)
        await record(first, StatusChange("running"))
        await record(second, StatusChange("running"))
        got = _item(await _frame(one)), _item(await _frame(two))
        after = await _results(server)
    assert [item["execution"]["id"] for item in got] == [gid("Execution", first),
                                                         gid("Execution", second)]
    assert delta(before, after, RESULTS, outcome="executed") == 2


WATCH_AFTER = """subscription($id: ID!, $after: Cursor) {
  executionUpdated(executionId: $id, after: $after) {
    ... on ExecutionEvent { cursor kind status execution { id status } }
  }
}"""


@asynccontextmanager
async def _resuming(server: ApiServer, payload: dict[str, str], execution: int
                    ) -> AsyncIterator[ClientConnection]:
    """A socket subscribed to the execution from the start of its stream (no SNAPSHOT)."""
    url = server.url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "w", "type": "subscribe", "payload": {
            "query": WATCH_AFTER, "variables": {
                "id": gid("Execution", execution),
                "after": start_of(execution_stream(execution))}}}))
        yield ws


async def test_a_subscriber_joining_behind_its_group_catches_up_then_shares_its_frames(
    factory: Factory, server: ApiServer
) -> None:
    world = await _webhook_world(factory)
    execution = await _execution(world)
    async with _resuming(server, world["owner_auth"], execution) as ahead:
        await record(execution, StatusChange("running"))
        early = [_item(await _frame(ahead)) for _ in range(2)]  # its creation, then running
        # Same document and variables: the same group, which is two events further on.
        async with _resuming(server, world["owner_auth"], execution) as behind:
            caught_up = [_item(await _frame(behind)) for _ in range(2)]
            before = await _results(server)
            await record(execution, StatusChange("completed"))
            last_ahead, last_behind = await _frame(ahead), await _frame(behind)
            after = await _results(server)
    assert [i["cursor"] for i in caught_up] == [i["cursor"] for i in early]
    assert [i["status"] for i in caught_up] == ["PENDING", "RUNNING"]
    assert last_ahead == last_behind  # the group's frame, the same bytes
    assert _item(last_behind)["status"] == "COMPLETED"
    assert len({i["cursor"] for i in [*caught_up, _item(last_behind)]}) == 3
    assert delta(before, after, RESULTS, outcome="executed") == 1
    assert delta(before, after, RESULTS, outcome="shared") == 1


async def test_the_group_goes_on_for_the_others_when_its_first_subscriber_leaves(
    factory: Factory, server: ApiServer
) -> None:
    world = await _webhook_world(factory)
    execution = await _execution(world)
    async with _watching(server, world["owner_auth"], execution) as stays:
        async with _watching(server, world["owner_auth"], execution) as first:
            await record(execution, StatusChange("running"))
            assert await _frame(first) == await _frame(stays)
        # `first` created the group (its executor runs the group's executions) and left.
        await record(execution, StatusChange("completed"))
        item = _item(await _frame(stays))
    assert item["status"] == "COMPLETED"
    assert item["execution"]["workflow"]["webhookUrl"].endswith("/webhooks/t0ken")
