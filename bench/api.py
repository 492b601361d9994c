"""API: `workflows(first: 100)` with nested fields and `execution(id)` with a 50-span tree.

Requests per second and p50/p99 latency through a real `flowplane serve` (uvicorn) process,
beside a bare Strawberry schema answering the same data from memory, served the same way
(bench/_ceiling.py: the ceiling of this stack). The load: REQUESTS per case from CONCURRENCY
httpx clients in this process, over loopback. SQL statements per request are counted
in-process (the same app through httpx's ASGI transport, on a pool whose connections log
every statement, as tests/graphql_api/test_no_n_plus_one.py does).

Run: `make bench` (all benchmarks), `.venv/bin/python -m bench api` or `-m bench.api`.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench._common import (
    Figure,
    drop_database,
    percentile,
    print_table,
    scratch_database,
    servers,
    wait_healthy,
)
from flowplane.embedded import free_port

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS, SHARED_USERS, EXECUTIONS, SPANS = 100, 3, 5, 50
# Requests per case: the list query costs ~10x the other, so it gets fewer.
REQUESTS = {"list": 100, "one": 300}
CONCURRENCY, WARMUP = 8, 10
LIST = """{ workflows(first: 100) { edges { cursor node {
  id name status version owner { handle } sharedWith { handle }
  executions(first: 5) { nodes { id status triggeredBy { handle } } }
} } } }"""
_SPAN = "id kind nodeId status durationMs output"
ONE = (f"query($id: ID!) {{ execution(id: $id) {{ ... on Execution {{ id status spans {{ {_SPAN} "
       f"children {{ {_SPAN} children {{ {_SPAN} }} }} }} }} }} }}")
POOL_RESET = "SELECT pg_advisory_unlock_all()"  # asyncpg's pool housekeeping, not our query


@dataclass(frozen=True)
class Case:
    key: str  # the query's top-level field
    body: dict[str, Any]
    requests: int


# ----------------------------------------------------------------------------------- the data
async def _world() -> tuple[dict[str, str], int]:
    """100 workflows (owner, 3 shares, 5 executions each) and one execution with 50 spans."""
    from db.tables import Organization, Workflow, WorkflowShare
    from domain.organizations import add_member, create_user
    from domain.recording import NewExecution, create
    from domain.tokens import issue_token

    org = Organization(slug="bench", name="Bench")
    await org.save()
    owner = await create_user("owner")
    await add_member(org.id, owner.id, "member")
    shared = [await create_user(f"user{n}") for n in range(SHARED_USERS)]
    last = 0
    for n in range(WORKFLOWS):
        workflow = Workflow(organization=org.id, owner=owner.id, name=f"wf-{n:03}",
                            nodes=[{"id": "a", "type": "transform", "params": {"value": 1}}])
        await workflow.save()
        for user in shared:
            await WorkflowShare(workflow=workflow.id, user=user.id).save()
        for _ in range(EXECUTIONS):
            created = await create(NewExecution(
                organization_id=org.id, workflow_id=workflow.id, trigger_type="manual",
                triggered_by=owner.id, input={}, workflow_version=1, definition={},
                max_attempts=1, queue_name="bench"))
            last = int(created.execution.id)
    await _spans(last)
    token = await issue_token(owner.id, org.id)
    return {"Authorization": f"Bearer {token.token}", "X-Organization-ID": "bench"}, last


async def _spans(execution_id: int) -> None:
    """execution -> attempt -> 48 nodes: 50 spans, each node with a small JSON output."""
    from domain._sql import fetch_one

    insert = ("INSERT INTO execution_span (execution, parent, kind, node_id, attempt, status,"
              " started_at, ended_at, duration_ms, output, output_truncated)"
              " VALUES ($1, $2, $3, $4, 1, 'completed', now(), now(), 3, $5::jsonb, false)"
              " RETURNING id")
    root = await fetch_one(insert, execution_id, None, "execution", None, None)
    attempt = await fetch_one(insert, execution_id, root["id"], "attempt", None, None)
    for n in range(SPANS - 2):
        output = json.dumps({"n": n, "items": [n, n + 1, n + 2], "ok": True})
        await fetch_one(insert, execution_id, attempt["id"], "node", f"node-{n:02}", output)


# --------------------------------------------------------------------- statements per request
class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, logged: Any) -> None:  # Any: asyncpg's LoggedQuery
        if not logged.query.startswith(POOL_RESET):
            self.count += 1

    async def init(self, connection: Any) -> None:  # Any: an asyncpg connection
        connection.add_query_logger(self)


async def _statements(headers: dict[str, str], cases: dict[str, Case]
                      ) -> tuple[dict[str, int], dict[str, Any]]:
    """SQL statements of one request of each case (after a warm-up), and the responses."""
    from db import engine
    from graphql_api.app import create_app

    counter = StatementCounter()
    await engine.close_pool()
    await engine.engine().start_connection_pool(min_size=1, max_size=4, init=counter.init)
    counts, data = {}, {}
    transport = httpx.ASGITransport(app=create_app(lifespan_pool=False))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for name, case in cases.items():
                for _ in range(2):  # the first one warms up asyncpg's type introspection
                    await asyncio.sleep(0)
                    before = counter.count
                    response = await client.post("/graphql", json=case.body, headers=headers)
                    await asyncio.sleep(0.01)  # query loggers run soon after each statement
                body = response.json()
                assert "errors" not in body, body
                counts[name], data[case.key] = counter.count - before, body["data"]
    finally:
        await engine.close_pool()
    return counts, data


# --------------------------------------------------------------------------------- the load
async def _load(url: str, headers: dict[str, str], body: dict[str, Any],
                requests: int) -> tuple[float, list[float]]:
    """(requests per second, latencies in ms) of `requests` requests from CONCURRENCY clients,
    after WARMUP unmeasured ones."""
    samples: list[float] = []
    todo = iter(range(requests))

    async def one(http: httpx.AsyncClient) -> float:
        begin = time.perf_counter()
        response = await http.post(url, json=body, headers=headers)
        elapsed = (time.perf_counter() - begin) * 1000
        assert response.status_code == 200 and "errors" not in response.json(), response.text
        return elapsed

    async def client(http: httpx.AsyncClient) -> None:
        for _ in todo:
            samples.append(await one(http))

    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=CONCURRENCY),
                                 timeout=60) as http:
        for _ in range(WARMUP):
            await one(http)
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(CONCURRENCY)))
        wall = time.perf_counter() - started
    return len(samples) / wall, samples


def _spawn(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, *args, "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
    return process, f"http://127.0.0.1:{port}/graphql"


Sample = tuple[float, list[float]]


async def _served(env: dict[str, str], headers: dict[str, str], cases: dict[str, Case],
                  data: dict[str, Any]) -> dict[str, tuple[Sample, Sample]]:
    """Per case: the load on `flowplane serve`, then the same load on the ceiling server
    (both running; measured one after the other so that both see the same machine)."""
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.json"
        path.write_text(json.dumps(data))
        try:
            ours, ours_url = _spawn(["-m", "flowplane", "serve"], env)
            processes.append(ours)
            bare, bare_url = _spawn(["-m", "bench._ceiling", "--data", str(path)], env)
            processes.append(bare)
            results = {}
            for name, case in cases.items():
                async with httpx.AsyncClient(timeout=30) as http:
                    answer = (await http.post(bare_url, json=case.body)).json()
                assert answer == {"data": data[case.key]}, "the ceiling answers other data"
                results[name] = (await _load(ours_url, headers, case.body, case.requests),
                                 await _load(bare_url, {}, case.body, case.requests))
        finally:
            for process in processes:
                process.terminate()
                process.wait(10)
    return results


def _figures(name: str, ours: tuple[float, list[float]], bare: tuple[float, list[float]],
             statements: int) -> list[Figure]:
    ceiling = "bare Strawberry"
    return [
        Figure("api", f"{name}: requests/s", ours[0], "1/s", bare[0], ceiling),
        Figure("api", f"{name}: p50", percentile(ours[1], 50), "ms",
               percentile(bare[1], 50), ceiling),
        Figure("api", f"{name}: p99", percentile(ours[1], 99), "ms",
               percentile(bare[1], 99), ceiling),
        Figure("api", f"{name}: SQL statements/request", statements, "stmts"),
    ]


async def _measure(server_url: str, redis_url: str) -> list[Figure]:
    from db import engine
    from graphql_api.types.ids import global_id

    url = await scratch_database(server_url)
    engine.configure(url)
    await engine.migrate()
    await engine.start_pool(max_size=5)
    try:
        headers, execution = await _world()
        cases = {
            "workflows(first: 100)": Case("workflows", {"query": LIST}, REQUESTS["list"]),
            f"execution with {SPANS} spans": Case(
                "execution", {"query": ONE,
                              "variables": {"id": str(global_id("Execution", execution))}},
                REQUESTS["one"]),
        }
        statements, data = await _statements(headers, cases)
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url,
               "PYTHONPATH": str(ROOT)}  # bench._ceiling, wherever this runs from
        results = await _served(env, headers, cases, data)
    finally:
        await engine.close_pool()
        await drop_database(server_url, url)
    print(f"requests per case: {REQUESTS}, {CONCURRENCY} concurrent clients, "
          f"{os.cpu_count()} cores")
    return [f for name, (ours, bare) in results.items()
            for f in _figures(name, ours, bare, statements[name])]


def run() -> list[Figure]:
    with servers() as (database_url, redis_url):
        return asyncio.run(_measure(database_url, redis_url))


if __name__ == "__main__":
    print_table(run())
