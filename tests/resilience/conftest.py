"""Shared by the resilience tests: the environment of the processes they start (short leases,
a quick sweeper), servers a test may restart, starting and stopping a set of processes, and
the database checks."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from db import engine
from domain._sql import fetch
from domain.dispatch import close_pools
from domain.executions import start_execution
from domain.settings import get_settings
from flowplane.embedded import EmbeddedPostgres, EmbeddedRedis
from tests.engine.servers import Recorder, build_app, serve
from tests.factory import Factory
from tests.processes import ApiServer, FlowplaneProcess
from tests.sync.test_daemon import eventually

TERMINAL = ("completed", "failed", "cancelled")
# Short leases and a quick sweeper, so lost work is recovered within seconds.
FAST = {
    "FLOWPLANE_EXECUTION_LEASE_SECONDS": "6",
    "FLOWPLANE_SWEEP_INTERVAL_SECONDS": "0.5",
    "FLOWPLANE_DISPATCH_GRACE_SECONDS": "2",
    "FLOWPLANE_WORKER_POLL_DELAY": "0.01",
    # The servers nodes call in these tests listen on loopback: allowed here explicitly.
    "FLOWPLANE_EGRESS_ALLOW": "127.0.0.0/8 ::1",
}


@pytest.fixture(autouse=True)
def _settings_follow_the_session(redis_url: str) -> Iterator[None]:
    """This process's settings are read after the harness set REDIS_URL."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def env(database_url: str, redis_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url, **FAST}


@pytest.fixture
def api(env: dict[str, str]) -> Iterator[ApiServer]:
    """A real `flowplane serve` on the test's servers."""
    server = ApiServer(env).start()
    yield server
    server.stop()


@pytest.fixture
async def counting_server() -> AsyncIterator[tuple[str, Recorder]]:
    """A local HTTP server recording every body POSTed to /echo: the side effects."""
    recorder = Recorder()
    async with serve(build_app(recorder)) as url:
        yield url, recorder


def http_call(url: str, node_id: str, path: str = "/echo") -> dict[str, Any]:
    """An http.request node POSTing (input.n, node id) to the counting server."""
    return {"id": node_id, "type": "http.request",
            "params": {"method": "POST", "url": f"{url}{path}",
                       "body": {"n": "{{ input.n }}", "node": node_id}}}


async def call_then_wait(
    factory: Factory, url: str, seconds: Any, *, then_call: bool = False,
    org: dict[str, Any] | None = None, owner: dict[str, Any] | None = None, **fields: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(owner, workflow) of a workflow that calls the counting server (node `a`), then waits
    `seconds` (node `wait`), then with `then_call` calls it again (node `b`). Without `org`
    and `owner`, in an organization of its own."""
    org = org or await factory.org()
    user = owner or await factory.user(org=org)
    nodes = [http_call(url, "a"), {"id": "wait", "type": "delay", "params": {"seconds": seconds}}]
    connections = [{"from": "a", "to": "wait"}]
    if then_call:
        nodes.append(http_call(url, "b"))
        connections.append({"from": "wait", "to": "b"})
    workflow = await factory.workflow(org, user, nodes=nodes, connections=connections, **fields)
    return user, workflow


async def start_runs(workflow: dict[str, Any], user: dict[str, Any],
                     inputs: list[dict[str, Any]]) -> list[int]:
    """Start one execution per input, in order; their ids."""
    return [int((await start_execution(workflow["id"], trigger_type="manual",
                                       triggered_by=user["id"], input=i)).id)
            for i in inputs]


def side_effects(recorder: Recorder) -> dict[tuple[int, str], int]:
    """How often each (input.n, node) call reached the server."""
    counts: dict[tuple[int, str], int] = {}
    for body in recorder.bodies:
        key = (int(body["n"]), str(body["node"]))
        counts[key] = counts.get(key, 0) + 1
    return counts


async def spans_running(execution_ids: list[int], node_id: str) -> int:
    """How many of the executions have a running span of `node_id`."""
    rows = await fetch("SELECT count(*) AS n FROM execution_span WHERE execution = ANY($1)"
                       " AND node_id = $2 AND status = 'running'", execution_ids, node_id)
    return int(rows[0]["n"])


@dataclass
class Restartable:
    """Servers this test may stop and restart, and the environment pointing at them."""

    pg: EmbeddedPostgres
    redis: EmbeddedRedis
    env: dict[str, str]


async def _database_on(server_url: str) -> str:
    name = f"flowplane_restart_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return f"{server_url.rpartition('/')[0]}/{name}"


async def _point_at(database: str, redis_url: str) -> None:
    """Move this process's pool, arq connections and settings to other servers."""
    await engine.close_pool()
    await close_pools()
    engine.configure(database)
    os.environ["REDIS_URL"] = redis_url
    get_settings.cache_clear()
    await engine.migrate()
    await engine.start_pool()


@pytest.fixture
async def restartable(
    factory: Any, embedded: dict[str, object], database_url: str, redis_url: str
) -> AsyncIterator[Restartable]:
    """The session's embedded servers when the suite started them; otherwise (DATABASE_URL or
    REDIS_URL given, which the suite must never restart) servers of the test's own, with this
    process pointed at them for the test. Either way the test always runs."""
    pg, rd = embedded.get("pg"), embedded.get("redis")
    if isinstance(pg, EmbeddedPostgres) and isinstance(rd, EmbeddedRedis):
        yield Restartable(pg, rd, {"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                                   **FAST})
        return
    work = Path(tempfile.mkdtemp(prefix="flowplane-restartable-"))
    own_pg, own_redis = EmbeddedPostgres(work / "pg"), EmbeddedRedis(work / "redis")
    try:
        own_pg.start()
        own_redis.start()
        database = await _database_on(own_pg.url)
        await _point_at(database, own_redis.url)
        try:
            yield Restartable(own_pg, own_redis, {"DATABASE_URL": database,
                                                  "REDIS_URL": own_redis.url, **FAST})
        finally:
            await _point_at(database_url, redis_url)
    finally:
        own_redis.stop()
        own_pg.stop()


@contextmanager
def running(*processes: FlowplaneProcess) -> Iterator[tuple[FlowplaneProcess, ...]]:
    """Start the processes; stop whatever is still alive at the end."""
    try:
        for process in processes:
            process.start()
        yield processes
    finally:
        for process in processes:
            process.stop()


async def statuses(execution_ids: list[int]) -> dict[int, str]:
    rows = await fetch("SELECT id, status FROM execution WHERE id = ANY($1)", execution_ids)
    return {int(r["id"]): str(r["status"]) for r in rows}


async def all_terminal(execution_ids: list[int]) -> bool:
    found = await statuses(execution_ids)
    return len(found) == len(execution_ids) and all(s in TERMINAL for s in found.values())


async def terminal_events(execution_ids: list[int]) -> dict[int, list[str]]:
    """Per execution, the terminal statuses its event stream announced (in order)."""
    rows = await fetch(
        "SELECT execution, payload->>'status' AS status FROM event WHERE execution = ANY($1)"
        " AND kind = 'status' AND stream = 'execution:' || execution::text"
        " AND payload->>'status' = ANY($2) ORDER BY seq", execution_ids, list(TERMINAL))
    out: dict[int, list[str]] = {i: [] for i in execution_ids}
    for row in rows:
        out[int(row["execution"])].append(str(row["status"]))
    return out


async def node_spans(execution_ids: list[int]) -> dict[tuple[int, str], list[str]]:
    """Per (execution, node), the statuses of its node spans in order."""
    rows = await fetch(
        "SELECT execution, node_id, status FROM execution_span WHERE execution = ANY($1)"
        " AND kind = 'node' ORDER BY id", execution_ids)
    out: dict[tuple[int, str], list[str]] = {}
    for row in rows:
        out.setdefault((int(row["execution"]), str(row["node_id"])), []).append(row["status"])
    return out


async def wait_terminal(execution_ids: list[int], processes: tuple[FlowplaneProcess, ...],
                        within: float = 120) -> None:
    """Poll the database until every execution ended; on timeout show where they are and
    what the processes printed."""
    try:
        await eventually(lambda: all_terminal(execution_ids), "every execution to end", within)
    except AssertionError:
        states = summary(await statuses(execution_ids))
        logs = "\n".join(f"--- {p.args} ---\n{p.output()[-2500:]}" for p in processes)
        raise AssertionError(f"executions did not all end: {states}\n{logs}") from None


def summary(rows: dict[int, Any]) -> dict[Any, int]:
    """How many of each value (for readable failure messages)."""
    counts: dict[Any, int] = {}
    for value in rows.values():
        counts[value] = counts.get(value, 0) + 1
    return counts
