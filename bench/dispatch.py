"""Dispatch benchmark: trigger-to-running and trigger-to-completed latency (p50, p99) of a
3-node workflow, and completed executions per second for one worker process, beside a raw
arq job that makes the same number of database commits.

    .venv/bin/python bench/dispatch.py [--runs 200] [--burst 500] [--poll-delay 0.01]

`make bench` / `python -m bench dispatch` call `run()`: the same measurement with BENCH_ARGS
(fewer runs, to stay near a minute), returned as figures beside the raw arq baseline.

Uses DATABASE_URL / REDIS_URL when set (a throwaway database is created on that server),
otherwise starts embedded PostgreSQL and Valkey. Latency runs are sequential (an idle worker,
the common case); throughput enqueues `--burst` executions at once. Timestamps come from
PostgreSQL (`started_at`, `ended_at`) and the trigger time from this process's clock, on the
same host.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# One execution of the 3-node workflow commits twice: its claim (with its attempt span) and its
# end (with the spans of its instant nodes); plus 1 for the trigger on both sides.
COMMITS_PER_EXECUTION = 2
NODES = [
    {"id": "a", "type": "transform", "params": {"value": "{{ input.n }}"}},
    {"id": "b", "type": "transform", "params": {"value": {"twice": "{{ nodes.a.output * 2 }}"}}},
    {"id": "c", "type": "transform", "params": {"value": "{{ nodes.b.output.twice + 1 }}"}},
]
CONNECTIONS = [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}]
RAW_QUEUE = "bench:raw"


# ---------------------------------------------------------------- raw arq baseline (worker side)
async def raw_job(ctx: dict[str, Any], row_id: int) -> None:
    pool: asyncpg.Pool = ctx["pg"]
    for i in range(COMMITS_PER_EXECUTION):
        async with pool.acquire() as conn, conn.transaction():
            stamp = "started_at = now(), " if i == 0 else ""
            done = ", ended_at = now()" if i == COMMITS_PER_EXECUTION - 1 else ""
            await conn.execute(f"UPDATE bench_raw SET {stamp}n = n + 1{done} WHERE id = $1",
                               row_id)


async def _no_reset(_conn: asyncpg.Connection) -> None:
    """The same pool reset as ours (db.engine.keep_session): none beyond asyncpg's rollback."""


async def _raw_startup(ctx: dict[str, Any]) -> None:
    ctx["pg"] = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=1, max_size=10,
                                          reset=_no_reset)


def run_raw_worker() -> None:
    from arq import Worker
    from arq.connections import RedisSettings

    worker = Worker(functions=[raw_job], queue_name=RAW_QUEUE, on_startup=_raw_startup,
                    redis_settings=RedisSettings.from_dsn(os.environ["REDIS_URL"]),
                    poll_delay=float(os.environ["FLOWPLANE_WORKER_POLL_DELAY"]),
                    max_jobs=50, keep_result=60)
    worker.run()


# ---------------------------------------------------------------------------- measuring side
def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99


async def _wait_done(conn: asyncpg.Connection, sql: str, count: int) -> None:
    deadline = time.monotonic() + 120
    while await conn.fetchval(sql) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {count} completions ({sql})")
        await asyncio.sleep(0.002)


async def _rate(conn: asyncpg.Connection, table: str, first_id: int) -> float:
    """Completions per second of a backlog, from the database's own timestamps."""
    count, span = await conn.fetchrow(
        f"SELECT count(*), extract(epoch FROM max(ended_at) - min(started_at))"
        f" FROM {table} WHERE id >= $1", first_id)
    return float((count - 1) / span) if span else float("nan")


async def _latencies(conn: asyncpg.Connection, table: str, runs: int,
                     trigger: Callable[[int], Awaitable[int]]) -> dict[str, list[float]]:
    """Sequential runs against an idle worker: trigger, wait, read the row's timestamps."""
    done_sql = f"SELECT count(*) FROM {table} WHERE ended_at IS NOT NULL"
    to_running, to_done = [], []
    for n in range(runs):
        t0 = datetime.now(UTC)
        row_id = await trigger(n)
        await _wait_done(conn, done_sql, n + 1)
        started, ended = await conn.fetchrow(
            f"SELECT started_at, ended_at FROM {table} WHERE id = $1", row_id)
        to_running.append((started - t0).total_seconds() * 1000)
        to_done.append((ended - t0).total_seconds() * 1000)
    return {"to_running": to_running, "to_done": to_done}


async def measure(conn: asyncpg.Connection, table: str, runs: int, burst: int,
                  trigger: Callable[[int], Awaitable[int]],
                  start_worker: Callable[[], Awaitable[asyncio.subprocess.Process]]
                  ) -> dict[str, Any]:
    """Latency with a running worker; then throughput of one worker process started on a
    backlog of `burst` jobs (so neither trigger speed nor start-up time counts)."""
    worker = await start_worker()
    try:
        result: dict[str, Any] = await _latencies(conn, table, runs, trigger)
    finally:
        worker.terminate()
        await worker.wait()
    first = None
    for n in range(burst):
        row_id = await trigger(n)
        first = row_id if first is None else first
    worker = await start_worker()
    try:
        await _wait_done(conn, f"SELECT count(*) FROM {table} WHERE ended_at IS NOT NULL",
                         runs + burst)
    finally:
        worker.terminate()
        await worker.wait()
    result["per_second"] = await _rate(conn, table, first or 0)
    return result


# ------------------------------------------------------------------ `make bench` entry point
BENCH_ARGS = {"runs": 100, "warmup": 10, "burst": 300}


def _figures(result: dict[str, Any], warmup: int) -> list[Any]:
    from bench._common import Figure

    figures = []
    for key, label in (("to_running", "trigger->running"), ("to_done", "trigger->completed")):
        ours = percentiles(result["flowplane"][key][warmup:])
        raw = percentiles(result["raw"][key][warmup:])
        figures += [Figure("dispatch", f"p50 {label}", ours[0], "ms", raw[0], "raw arq"),
                    Figure("dispatch", f"p99 {label}", ours[1], "ms", raw[1], "raw arq")]
    figures.append(Figure("dispatch", "throughput, 1 worker process",
                          result["flowplane"]["per_second"], "exec/s",
                          result["raw"]["per_second"], "raw arq"))
    return figures


def run() -> list[Any]:  # Any: bench._common.Figure (imported late: this file also runs alone)
    """The benchmark with BENCH_ARGS, as figures (the convention of bench/)."""
    from bench._common import environment, servers
    from domain.settings import get_settings

    args = argparse.Namespace(**BENCH_ARGS, poll_delay=get_settings().worker_poll_delay,
                              raw_worker=False)
    with servers() as (pg_url, redis_url), environment(
            DATABASE_URL=pg_url, REDIS_URL=redis_url,
            FLOWPLANE_WORKER_POLL_DELAY=str(args.poll_delay)):
        result = asyncio.run(_run(args, pg_url, redis_url))
    return _figures(result, args.warmup)


# ------------------------------------------------------------------------------------ set-up
async def _workflow() -> int:
    from db.tables import AppUser, Organization, Workflow

    org = Organization(slug="bench", name="Bench")
    await org.save()
    user = AppUser(handle="bench")
    await user.save()
    workflow = Workflow(organization=org.id, owner=user.id, name="three-nodes", nodes=NODES,
                        connections=CONNECTIONS, settings={"maxAttempts": 1})
    await workflow.save()
    return int(workflow.id)


async def _spawn(args: list[str], env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, *args, env=env, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)


def _report(label: str, result: dict[str, Any], warmup: int) -> None:
    running = percentiles(result["to_running"][warmup:])
    done = percentiles(result["to_done"][warmup:])
    print(f"{label:<28} {running[0]:>9.1f} {running[1]:>9.1f} {done[0]:>9.1f} {done[1]:>9.1f}"
          f" {result['per_second']:>9.0f}")


async def _run(args: argparse.Namespace, pg_url: str, redis_url: str) -> dict[str, Any]:
    from bench._common import scratch_database
    from db import engine
    from domain.settings import get_settings

    url = await scratch_database(pg_url)
    engine.configure(url)
    os.environ.update({"DATABASE_URL": url, "REDIS_URL": redis_url,
                       "FLOWPLANE_WORKER_POLL_DELAY": str(args.poll_delay)})
    get_settings.cache_clear()  # read the URLs set just above
    await engine.migrate()
    await engine.start_pool(max_size=5)
    workflow_id = await _workflow()
    conn = await asyncpg.connect(url)
    await conn.execute("CREATE TABLE bench_raw (id serial PRIMARY KEY, n int NOT NULL,"
                       " started_at timestamptz, ended_at timestamptz)")
    env = dict(os.environ)
    runs = args.runs + args.warmup
    from arq.connections import RedisSettings, create_pool

    from domain.executions import start_execution

    async def trigger_flowplane(n: int) -> int:
        row = await start_execution(workflow_id, trigger_type="manual", triggered_by=None,
                                    input={"n": n})
        return int(row.id)

    arq = await create_pool(RedisSettings.from_dsn(redis_url))

    async def trigger_raw(n: int) -> int:
        row_id = int(await conn.fetchval("INSERT INTO bench_raw (n) VALUES (0) RETURNING id"))
        await arq.enqueue_job("raw_job", row_id, _queue_name=RAW_QUEUE)
        return row_id

    ours = await measure(conn, "execution", runs, args.burst, trigger_flowplane,
                         lambda: _spawn(["-m", "flowplane", "worker"], env))
    baseline = await measure(conn, "bench_raw", runs, args.burst, trigger_raw,
                             lambda: _spawn([__file__, "--raw-worker"], env))
    await arq.aclose()
    await conn.close()
    await engine.close_pool()
    print(f"poll_delay={args.poll_delay}s  runs={args.runs} (after {args.warmup} warm-up)"
          f"  burst={args.burst}  commits/execution={COMMITS_PER_EXECUTION}")
    print(f"{'':<28} {'run p50':>9} {'run p99':>9} {'done p50':>9} {'done p99':>9} {'exec/s':>9}")
    _report("flowplane (3 nodes)", ours, args.warmup)
    _report(f"raw arq ({COMMITS_PER_EXECUTION} commits)", baseline, args.warmup)
    print("latencies in ms from the trigger call; exec/s for one worker process")
    return {"flowplane": ours, "raw": baseline}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--poll-delay", type=float, default=None)
    parser.add_argument("--raw-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw_worker:
        run_raw_worker()
        return
    from domain.settings import get_settings
    from flowplane.embedded import EmbeddedPostgres, EmbeddedRedis

    if args.poll_delay is None:
        args.poll_delay = get_settings().worker_poll_delay
    work = Path(tempfile.mkdtemp(prefix="flowplane-bench-"))
    pg_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    servers: list[Any] = []
    if not pg_url:
        servers.append(EmbeddedPostgres(work / "pg"))
        servers[-1].start()
        pg_url = servers[-1].url
    if not redis_url:
        servers.append(EmbeddedRedis(work / "redis"))
        servers[-1].start()
        redis_url = servers[-1].url
    try:
        asyncio.run(_run(args, pg_url, redis_url))
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
