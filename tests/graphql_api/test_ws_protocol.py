"""graphql-transport-ws as Flowplane speaks it, over real websockets against `flowplane
serve`: errors before execution are `error` messages for that subscription (the socket stays
open), messages over the size limit close with 1009, and the reference `graphql-ws` client
(Node) runs a whole session: subscribe, events, `error` for a bad document, a refusal's code."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from domain.recording import StatusChange, record
from graphql_api.documents import MAX_SELECTIONS
from graphql_api.limits import MAX_TOKENS
from tests._node import run_node
from tests.factory import Factory
from tests.graphql_api._ws import auth, session
from tests.graphql_api.conftest import gid
from tests.graphql_api.test_subscriptions import EXECUTION, _execution
from tests.processes import ApiServer

MAX_BYTES = 64 * 1024


@pytest.fixture(scope="module")
def server(database_url: str, redis_url: str) -> Iterator[ApiServer]:
    api = ApiServer({"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                     "FLOWPLANE_MAX_REQUEST_BYTES": str(MAX_BYTES)}).start()
    yield api
    api.stop()


async def _world(factory: Factory) -> dict[str, object]:
    org = await factory.org()
    owner = await factory.user(org=org)
    workflow = await factory.workflow(org, owner)
    return {"org": org, "owner": owner, "workflow": workflow,
            "payload": auth(await factory.token(owner, org), org)}


async def test_errors_before_execution_are_error_messages_and_the_socket_stays_open(
    factory: Factory, server: ApiServer
) -> None:
    world = await _world(factory)
    bad = {
        "syntax": ("subscription { executionUpdated(executionId: 1) {", "Syntax Error"),
        "validation": ("subscription { noSuchField }", "Cannot query field 'noSuchField'"),
        "tokens": ("subscription { " + "__typename " * (MAX_TOKENS + 1) + "}",
                   f"more than {MAX_TOKENS} tokens"),
        "selections": ("subscription { " + 'executionUpdated(executionId: "x") { __typename } '
                       * (MAX_SELECTIONS // 2 + 1) + "}", f"more than {MAX_SELECTIONS} fields"),
        "operation": ("subscription A { __typename }", 'Unknown operation named "B"'),
    }
    execution = await _execution(world)  # type: ignore[arg-type]
    async with session(server.url, world["payload"]) as client:  # type: ignore[arg-type]
        for op_id, (query, expected) in bad.items():
            await client.ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {
                "query": query, "operationName": "B" if op_id == "operation" else None}}))
            message = await client.message(op_id)
            assert message["type"] == "error", (op_id, message)
            assert expected in message["payload"][0]["message"], (op_id, message)
        await client.subscribe("ok", EXECUTION, id=gid("Execution", execution))
        [snapshot] = await client.items("ok", 1)
    assert snapshot["execution"]["status"] == "PENDING"


async def test_a_message_over_the_size_limit_closes_the_socket_with_1009(
    factory: Factory, server: ApiServer
) -> None:
    """The limit is FLOWPLANE_MAX_REQUEST_BYTES, the one HTTP bodies have."""
    world = await _world(factory)

    def subscribe(op_id: str, size: int) -> str:
        message = {"id": op_id, "type": "subscribe", "payload": {"query": "{ __typename }"}}
        padding = " " * (size - len(json.dumps(message)))
        return json.dumps({**message, "payload": {"query": padding + "{ __typename }"}})

    async with session(server.url, world["payload"]) as client:  # type: ignore[arg-type]
        await client.ws.send(subscribe("within", MAX_BYTES))
        assert (await client.message("within"))["type"] == "next"
        await client.ws.send(subscribe("over", MAX_BYTES + 1))
        code, _reason = await client.closed()
    assert code == 1009


async def test_the_reference_graphql_ws_client_runs_a_whole_session(
    factory: Factory, server: ApiServer
) -> None:
    world = await _world(factory)
    execution = await _execution(world)  # type: ignore[arg-type]
    await record(execution, StatusChange("running"))
    await record(execution, StatusChange("completed"))
    org = world["org"]
    report = run_node("session.mjs", {
        "FLOWPLANE_WS": server.url.replace("http://", "ws://") + "/graphql",
        "FLOWPLANE_PARAMS": json.dumps(world["payload"]),
        "FLOWPLANE_BAD_PARAMS": json.dumps(auth("fp_not-a-token", org)),  # type: ignore[arg-type]
        "FLOWPLANE_EXECUTION": gid("Execution", execution),
    })
    assert [e["kind"] for e in report["events"]] == ["SNAPSHOT"]  # already terminal
    assert report["events"][0]["execution"]["status"] == "COMPLETED"
    assert report["badDocument"][0]["message"].startswith("Syntax Error")
    assert report["refused"] == {"code": 4101, "reason": "the token is not valid: unknown, "
                                 "expired or revoked"}
