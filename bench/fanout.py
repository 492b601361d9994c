"""Subscription fan-out: N websocket subscribers (100 and 1,000) of one execution on one
`flowplane serve` process; latency from a committed status change to its receipt by each
client; and the commit rate of concurrent writers with and without the NOTIFY announcement.

The clients run in a process of their own (`bench._subscribers`): they share neither the
server's event loop nor this one's. The baseline is a bare broadcaster (`bench._broadcaster`):
one LISTEN connection pushing a frame of the same bytes to the same number of clients, for
the same commits, measured in the same run.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid

import asyncpg
from websockets.asyncio.client import connect

from bench._common import (
    Figure,
    percentile,
    print_table,
    scratch_database,
    serve_api,
    servers,
    wait_healthy,
)

CHANGES = {100: 30, 1000: 20}
WRITERS, COMMITS_PER_WRITER = 8, 150
WATCH = ("subscription($id: ID!) { executionUpdated(executionId: $id) "
         "{ ... on ExecutionEvent { cursor kind status execution { id status } } } }")


async def _world() -> tuple[dict[str, str], int]:
    from db.tables import Organization, Workflow
    from domain.organizations import add_member, create_user
    from domain.recording import NewExecution, create
    from domain.tokens import issue_token

    org = Organization(slug="bench", name="Bench", max_connections_per_user=5000)
    await org.save()
    user = await create_user("bench")
    await add_member(org.id, user.id, "admin")
    workflow = Workflow(organization=org.id, owner=user.id, name="bench", nodes=[])
    await workflow.save()
    created = await create(NewExecution(
        organization_id=org.id, workflow_id=workflow.id, trigger_type="manual",
        triggered_by=user.id, input={}, workflow_version=1, definition={}, max_attempts=1,
        queue_name="bench",
    ))
    token = await issue_token(user.id, org.id)
    payload = {"Authorization": f"Bearer {token.token}", "X-Organization-ID": str(org.id)}
    return payload, int(created.execution.id)


def _variables(execution: int) -> str:
    from graphql_api.types.ids import global_id

    return json.dumps({"id": str(global_id("Execution", execution))})


async def _server_frame(url: str, payload: dict[str, str], execution: int) -> str:
    """The frame the server sends a subscriber for one status change (the baseline's)."""
    from domain.recording import StatusChange, record

    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        await ws.recv()
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": WATCH, "variables": json.loads(_variables(execution))}}))
        await ws.recv()  # the snapshot
        await record(execution, StatusChange("running"))
        return str(await ws.recv())


async def _latencies(url: str, payload: dict[str, str], execution: int, n: int) -> list[float]:
    """Commit -> receipt of each client for each of CHANGES[n] status changes, in ms."""
    from domain.recording import StatusChange, record

    clients = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench._subscribers", url, str(n), str(CHANGES[n]), WATCH,
        _variables(execution), json.dumps(payload), stdout=asyncio.subprocess.PIPE)
    assert clients.stdout is not None
    samples: list[float] = []
    try:
        if (await clients.stdout.readline()).strip() != b"ready":
            raise RuntimeError("the subscriber process did not get ready")
        for _ in range(CHANGES[n]):
            await record(execution, StatusChange("running"))
            committed = time.monotonic()
            received = json.loads(await clients.stdout.readline())
            samples += [(at - committed) * 1000 for at in received]
        await clients.wait()
    finally:
        if clients.returncode is None:
            clients.kill()
            await clients.wait()
    return samples


def _broadcaster(database_url: str, frame: str) -> tuple[subprocess.Popen[bytes], str]:
    from flowplane.embedded import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench._broadcaster", str(port), database_url, frame],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
    return process, f"ws://127.0.0.1:{port}/graphql"


async def _fanout_figures(url: str, redis_url: str) -> tuple[list[Figure], int]:
    """The latency figures beside the bare broadcaster's; the organization they used."""
    process, ws_url = serve_api(url, redis_url)
    try:
        payload, execution = await _world()
        frame = await _server_frame(ws_url, payload, execution)
        measured = {n: await _latencies(ws_url, payload, execution, n) for n in CHANGES}
    finally:
        process.terminate()
        process.wait(10)
    bare, bare_url = _broadcaster(url, frame)
    try:
        baseline = {n: await _latencies(bare_url, payload, execution, n) for n in CHANGES}
    finally:
        bare.terminate()
        bare.wait(10)
    return [Figure("fanout", f"p{q} commit->receipt, {n} subscribers",
                   percentile(measured[n], q), "ms", baseline=percentile(baseline[n], q),
                   baseline_name="bare broadcaster")
            for n in CHANGES for q in (50, 99)], int(payload["X-Organization-ID"])


# domain.events.append's statement for one event without the pg_notify: the baseline of
# the announcement's cost.
_QUIET = """
WITH owner AS (
    UPDATE environment SET event_seq = event_seq + 1 WHERE id = $1
    RETURNING organization, event_seq
)
INSERT INTO event (organization, seq, stream, kind, payload, feed, created_at)
SELECT organization, event_seq, 'environment:' || $1, 'log', '{}'::jsonb, false, now()
FROM owner
"""


async def _commit_rate(organization_id: int, announce: bool) -> float:
    from db.engine import engine
    from domain._sql import fetch, fetch_one
    from domain.events import NewEvent, append

    tag = uuid.uuid4().hex[:6]

    async def writer(w: int) -> None:
        # A stream per writer, as the writers of different executions have.
        row = await fetch_one("INSERT INTO environment (organization, name) VALUES ($1, $2)"
                              " RETURNING id", organization_id, f"bench-{tag}-{w}")
        assert row is not None
        stream_owner = int(row["id"])
        for _ in range(COMMITS_PER_WRITER):
            async with engine().transaction():
                if announce:
                    await append("environment", stream_owner, [NewEvent("log", {})])
                else:
                    await fetch(_QUIET, stream_owner)

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(WRITERS)))
    return WRITERS * COMMITS_PER_WRITER / (time.perf_counter() - started)


async def _measure(admin_url: str, redis_url: str) -> list[Figure]:
    from db import engine

    url = await scratch_database(admin_url)
    engine.configure(url)
    await engine.migrate()
    await engine.start_pool(max_size=WRITERS + 2)
    try:
        figures, org = await _fanout_figures(url, redis_url)
        plain = await _commit_rate(org, announce=False)
        announced = await _commit_rate(org, announce=True)
        figures.append(Figure("fanout", f"commits/s, {WRITERS} writers, announced", announced,
                              "1/s", baseline=plain, baseline_name="without NOTIFY"))
    finally:
        await engine.close_pool()
        admin = await asyncpg.connect(admin_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')
        await admin.close()
    return figures


def run() -> list[Figure]:
    with servers() as (database_url, redis_url):
        return asyncio.run(_measure(database_url, redis_url))


if __name__ == "__main__":
    print_table(run())
