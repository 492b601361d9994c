"""Live re-authorisation: from the call that revokes a token to the close frame (4102) at the
client of a socket opened with it, and from the call that removes a share to the `error` that
ends the subscription following that workflow; one `flowplane serve`, clients in this process.
Baseline in the same run, on the same server and socket path: from the call that records an
ordinary execution status change to its `next` at a subscriber.

Each time runs from the start of the domain call, so it includes that call's transaction:
the client shares its event loop with the writer, and a close frame that arrives while the
call is still returning after COMMIT is only read afterwards (timing from the return would
report near zero).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench._common import (
    Figure,
    drop_database,
    percentile,
    print_table,
    scratch_database,
    serve_api,
    servers,
)

ROUNDS = 30
WATCH = ("subscription($id: ID!) { executionUpdated(executionId: $id) "
         "{ ... on ExecutionEvent { cursor kind } } }")
RUNS = ("subscription($id: ID!, $after: Cursor) { executionsUpdated(filter: {workflowId: $id},"
        " after: $after) { __typename } }")


async def _world() -> dict[str, Any]:
    from db.tables import Organization, Workflow
    from domain.access import Actor
    from domain.organizations import add_member, create_user
    from domain.recording import NewExecution, create

    org = Organization(slug="bench", name="Bench", max_connections_per_user=1000)
    await org.save()
    owner, member = await create_user("owner"), await create_user("member")
    await add_member(org.id, owner.id, "member")
    await add_member(org.id, member.id, "member")
    public = Workflow(organization=org.id, owner=owner.id, name="public", nodes=[],
                      is_public=True)
    private = Workflow(organization=org.id, owner=owner.id, name="private", nodes=[])
    await public.save()
    await private.save()
    await create(NewExecution(  # so that RUNS from the stream's start answers at once
        organization_id=org.id, workflow_id=private.id, trigger_type="manual",
        triggered_by=owner.id, input={}, workflow_version=1, definition={}, max_attempts=1,
        queue_name="bench",
    ))
    created = await create(NewExecution(
        organization_id=org.id, workflow_id=public.id, trigger_type="manual",
        triggered_by=owner.id, input={}, workflow_version=1, definition={}, max_attempts=1,
        queue_name="bench",
    ))
    return {"org": org.id, "member": member.id, "workflow": private.id,
            "owner": Actor(owner.id, org.id, "member"),
            "execution": int(created.execution.id)}


def _ids(world: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The variables of WATCH and of RUNS (the private workflow's runs from the start)."""
    from domain.events import workflow_executions_stream
    from graphql_api.live_types import event_cursor
    from graphql_api.types.ids import global_id

    watch = {"id": str(global_id("Execution", world["execution"]))}
    runs = {"id": str(global_id("Workflow", world["workflow"])),
            "after": str(event_cursor(workflow_executions_stream(world["workflow"]), (0, 0)))}
    return watch, runs


async def _socket(url: str, world: dict[str, Any]) -> tuple[ClientConnection, int]:
    """A member's acknowledged connection, on a token of its own (returned with its id)."""
    from domain.tokens import issue_token

    token = await issue_token(world["member"], world["org"])
    ws = await connect(url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                       compression=None)
    await ws.send(json.dumps({"type": "connection_init", "payload": {
        "Authorization": f"Bearer {token.token}", "X-Organization-ID": str(world["org"])}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    return ws, token.id


async def _subscribe(ws: ClientConnection, query: str, variables: dict[str, Any]) -> None:
    await ws.send(json.dumps({"id": "1", "type": "subscribe",
                              "payload": {"query": query, "variables": variables}}))


async def _event_latency(url: str, world: dict[str, Any]) -> list[float]:
    from domain.recording import StatusChange, record

    ws, _ = await _socket(url, world)
    await _subscribe(ws, WATCH, _ids(world)[0])
    await ws.recv()  # the snapshot: subscribed
    samples = []
    for _ in range(ROUNDS):
        committed = time.perf_counter()
        await record(world["execution"], StatusChange("running"))
        assert json.loads(await ws.recv())["type"] == "next"
        samples.append((time.perf_counter() - committed) * 1000)
    await ws.close()
    return samples


async def _revocation_latency(url: str, world: dict[str, Any]) -> list[float]:
    from domain.tokens import revoke_token

    samples = []
    for _ in range(ROUNDS):
        ws, token_id = await _socket(url, world)
        await _subscribe(ws, WATCH, _ids(world)[0])
        await ws.recv()  # the snapshot: subscribed
        committed = time.perf_counter()
        assert await revoke_token(token_id, world["member"])
        await ws.wait_closed()
        samples.append((time.perf_counter() - committed) * 1000)
        assert ws.close_code == 4102, ws.close_code
    return samples


async def _unshare_latency(url: str, world: dict[str, Any]) -> list[float]:
    from domain.workflow_sharing import share_workflow, unshare_workflow

    ws, _ = await _socket(url, world)
    samples = []
    for round_ in range(ROUNDS):
        await share_workflow(world["owner"], world["workflow"], world["member"])
        await ws.send(json.dumps({"id": str(round_), "type": "subscribe", "payload": {
            "query": RUNS, "variables": _ids(world)[1]}}))
        assert json.loads(await ws.recv())["type"] == "next"  # the execution: subscribed
        committed = time.perf_counter()
        await unshare_workflow(world["owner"], world["workflow"], world["member"])
        while (message := json.loads(await ws.recv()))["type"] != "error":
            pass
        samples.append((time.perf_counter() - committed) * 1000)
        assert message["payload"][0]["extensions"]["code"] == "ACCESS_REVOKED"
    await ws.close()
    return samples


def _figures(name: str, samples: list[float], baseline: list[float]) -> list[Figure]:
    return [Figure("reauth", f"{q} {name}", percentile(samples, p), "ms",
                   baseline=percentile(baseline, p), baseline_name=f"{q} status change->event")
            for q, p in (("p50", 50), ("p99", 99))]


async def _measure(admin_url: str, redis_url: str) -> list[Figure]:
    from db import engine

    url = await scratch_database(admin_url)
    engine.configure(url)
    await engine.migrate()
    await engine.start_pool()
    process, ws_url = serve_api(url, redis_url)
    try:
        world = await _world()
        baseline = await _event_latency(ws_url, world)
        return (_figures("revoke->socket closed", await _revocation_latency(ws_url, world),
                         baseline)
                + _figures("unshare->subscription error",
                           await _unshare_latency(ws_url, world), baseline))
    finally:
        process.terminate()
        process.wait(10)
        await engine.close_pool()
        await drop_database(admin_url, url)


def run() -> list[Figure]:
    with servers() as (database_url, redis_url):
        return asyncio.run(_measure(database_url, redis_url))


if __name__ == "__main__":
    print_table(run())
