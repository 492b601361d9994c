"""Subscription fan-out: N websocket subscribers (100 and 1,000) of one execution on one
`flowplane serve` process; latency from a committed status change to its receipt by every
client; and the commit rate of concurrent writers with and without the NOTIFY announcement.

Clients run in this process (one asyncio loop), so the latency includes their own JSON
decoding: at 1,000 clients that is part of what is measured, on the same 2 cores.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import asyncpg
from websockets.asyncio.client import ClientConnection, connect

from bench._common import (
    Figure,
    percentile,
    print_table,
    scratch_database,
    serve_api,
    servers,
)

CHANGES = {100: 30, 1000: 10}
WRITERS, COMMITS_PER_WRITER = 8, 150
WATCH = ("subscription($id: ID!) { executionUpdated(executionId: $id) "
         "{ ... on ExecutionEvent { cursor kind } } }")


async def _world() -> tuple[dict[str, str], int]:
    from db.tables import Organization, Workflow
    from domain.organizations import add_member, create_user
    from domain.recording import NewExecution, create
    from domain.tokens import issue_token

    org = Organization(slug="bench", name="Bench", max_connections_per_user=5000)
    await org.save()
    user = await create_user("bench")
    await add_member(org.id, user["id"], "admin")
    workflow = Workflow(organization=org.id, owner=user["id"], name="bench", nodes=[])
    await workflow.save()
    created = await create(NewExecution(
        organization_id=org.id, workflow_id=workflow.id, trigger_type="manual",
        triggered_by=user["id"], input={}, workflow_version=1, definition={}, max_attempts=1,
        queue_name="bench",
    ))
    token = await issue_token(user["id"], org.id)
    payload = {"Authorization": f"Bearer {token.token}", "X-Organization-ID": str(org.id)}
    return payload, int(created.execution["id"])


async def _client(url: str, payload: dict[str, str], execution: int) -> ClientConnection:
    from graphql_api.types.ids import global_id

    ws = await connect(url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                       compression=None, open_timeout=60)
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    await ws.recv()
    await ws.send(json.dumps({"id": "1", "type": "subscribe",
                              "payload": {"query": WATCH, "variables": {
                                  "id": str(global_id("Execution", execution))}}}))
    await ws.recv()  # the snapshot: subscribed
    return ws


async def _latencies(url: str, payload: dict[str, str], execution: int, n: int) -> list[float]:
    from domain.recording import StatusChange, record

    clients = []
    for start in range(0, n, 50):  # connect in waves: the accept backlog is finite
        clients += await asyncio.gather(*(_client(url, payload, execution)
                                          for _ in range(start, min(n, start + 50))))
    samples: list[float] = []
    try:
        for _ in range(CHANGES[n]):
            await record(execution, StatusChange("running"))
            committed = time.perf_counter()
            received = await asyncio.gather(*(ws.recv() for ws in clients))
            now = time.perf_counter()
            assert all('"status"' in message for message in received)
            samples.append((now - committed) * 1000)
    finally:
        await asyncio.gather(*(ws.close() for ws in clients))
    return samples


# domain.events.append's statement for one event without the pg_notify: the baseline of the
# announcement's cost.
_QUIET = """
WITH owner AS (
    UPDATE workflow SET event_seq = event_seq + 1 WHERE id = $1
    RETURNING id, organization, event_seq
)
INSERT INTO event (organization, workflow, seq, stream, kind, payload, created_at)
SELECT organization, id, event_seq, 'workflow:' || id, 'log', '{}'::jsonb, now() FROM owner
"""


async def _commit_rate(organization_id: int, announce: bool) -> float:
    from db.engine import engine
    from db.tables import Workflow
    from domain._sql import fetch
    from domain.events import NewEvent, append

    tag = uuid.uuid4().hex[:6]
    owner = (await fetch("SELECT id FROM app_user ORDER BY id LIMIT 1"))[0]["id"]

    async def writer(w: int) -> None:
        row = Workflow(organization=organization_id, owner=owner, name=f"writer-{tag}-{w}",
                       nodes=[])
        await row.save()
        for _ in range(COMMITS_PER_WRITER):
            async with engine().transaction():
                if announce:
                    await append("workflow", row.id, [NewEvent("log", {})])
                else:
                    await fetch(_QUIET, row.id)

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(WRITERS)))
    return WRITERS * COMMITS_PER_WRITER / (time.perf_counter() - started)


async def _measure(admin_url: str, redis_url: str) -> list[Figure]:
    from db import engine

    url = await scratch_database(admin_url)
    engine.configure(url)
    await engine.migrate()
    await engine.start_pool(max_size=WRITERS + 2)
    process, ws_url = serve_api(url, redis_url)
    figures: list[Figure] = []
    try:
        payload, execution = await _world()
        for n in (100, 1000):
            samples = await _latencies(ws_url, payload, execution, n)
            figures += [Figure("fanout", f"p50 commit->receipt, {n} subscribers",
                               percentile(samples, 50), "ms"),
                        Figure("fanout", f"p99 commit->receipt, {n} subscribers",
                               percentile(samples, 99), "ms")]
        org = int(payload["X-Organization-ID"])
        plain = await _commit_rate(org, announce=False)
        announced = await _commit_rate(org, announce=True)
        figures.append(Figure("fanout", f"commits/s, {WRITERS} writers, announced", announced,
                              "1/s", baseline=plain, baseline_name="without NOTIFY"))
    finally:
        process.terminate()
        process.wait(10)
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
