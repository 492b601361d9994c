"""PostgreSQL work per execution: commits and rows written per execution of the 3-node
workflow of `bench/dispatch.py` (trigger + one worker process on a backlog), beside the raw
arq job of the same benchmark, measured the same way. The inputs of the capacity model in
bench/README.md ("Scale beyond one machine").

Counted from `pg_stat_database` (xact_commit, tup_inserted + tup_updated + tup_deleted)
deltas of the benchmark's own database, `pg_stat_wal.wal_bytes` of the server (give it a
server of its own), and statements (BEGIN and COMMIT included) from `pg_stat_statements`,
which the benchmarks' embedded server preloads (on a server without it, that figure is left
out). Every connection that did work is closed before the second reading (a backend
flushes its statistics when it exits), and this module's own readings and polls are
subtracted.

Run: `.venv/bin/python -m bench pgload`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

from bench._common import Figure, environment, print_table, scratch_database, servers

BACKLOG = 200
DISPATCH = Path(__file__).with_name("dispatch.py")  # also runs the raw arq worker
_COUNTERS = ("SELECT xact_commit, tup_inserted + tup_updated + tup_deleted, wal_bytes{}"
             " FROM pg_stat_database d, pg_stat_wal WHERE datname = current_database()")
_STATEMENTS = ", (SELECT sum(calls) FROM pg_stat_statements s WHERE s.dbid = d.datid)"


async def _counters(url: str, statements: bool) -> tuple[int, ...]:
    """(commits, rows written, WAL bytes of the whole server, statements or 0) so far, read
    on a connection of its own (1 commit and 1 statement more)."""
    await asyncio.sleep(0.6)  # lets the statistics of backends that just exited arrive
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(_COUNTERS.format(_STATEMENTS if statements else ""))
    finally:
        await conn.close()
    return tuple(int(value or 0) for value in row) + (() if statements else (0,))


async def _case(url: str, table: str, trigger: Callable[[int], Awaitable[None]],
                worker: Callable[[], Awaitable[asyncio.subprocess.Process]],
                close_triggers: Callable[[], Awaitable[None]],
                statements: bool) -> tuple[float, ...]:
    """Commits, rows, WAL bytes and statements per execution of BACKLOG executions, trigger
    and run included."""
    before = await _counters(url, statements)
    for n in range(BACKLOG):
        await trigger(n)
    await close_triggers()
    process = await worker()
    polls = 0
    conn = await asyncpg.connect(url)
    try:
        while await conn.fetchval(
                f"SELECT count(*) FROM {table} WHERE ended_at IS NOT NULL") < BACKLOG:
            polls += 1
            await asyncio.sleep(0.2)
        polls += 1
    finally:
        await conn.close()
        process.terminate()
        await process.wait()
    after = await _counters(url, statements)
    own = polls + 1  # the polls and the first reading: a commit and a statement each
    commits, rows, wal, calls = (a - b for a, b in zip(after, before, strict=True))
    return ((commits - own) / BACKLOG, rows / BACKLOG, wal / BACKLOG,
            (calls - own) / BACKLOG)


async def _statements_counted(url: str) -> bool:
    """Whether the server counts statements (pg_stat_statements preloaded, as on the
    benchmarks' embedded server)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await conn.fetchval("SELECT count(*) FROM pg_stat_statements")
    except asyncpg.PostgresError:
        return False
    finally:
        await conn.close()
    return True


async def _measure(pg_url: str, redis_url: str) -> list[Figure]:
    from arq.connections import RedisSettings, create_pool

    from bench.dispatch import RAW_QUEUE, _spawn, _workflow
    from db import engine
    from domain.executions import start_execution
    from domain.settings import get_settings

    url = await scratch_database(pg_url)
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    engine.configure(url)
    await engine.migrate()
    await engine.start_pool(max_size=5)
    workflow_id = await _workflow()
    statements = await _statements_counted(url)
    setup = await asyncpg.connect(url)
    await setup.execute("CREATE TABLE bench_raw (id serial PRIMARY KEY, n int NOT NULL,"
                        " started_at timestamptz, ended_at timestamptz)")
    await setup.close()
    env = dict(os.environ)

    async def trigger_ours(n: int) -> None:
        await start_execution(workflow_id, trigger_type="manual", triggered_by=None,
                              input={"n": n})

    ours = await _case(url, "execution", trigger_ours,
                       lambda: _spawn(["-m", "flowplane", "worker"], env), engine.close_pool,
                       statements)
    arq = await create_pool(RedisSettings.from_dsn(redis_url))
    raw_conn = await asyncpg.connect(url)

    async def trigger_raw(n: int) -> None:
        row_id = await raw_conn.fetchval("INSERT INTO bench_raw (n) VALUES (0) RETURNING id")
        await arq.enqueue_job("raw_job", row_id, _queue_name=RAW_QUEUE)

    raw = await _case(url, "bench_raw", trigger_raw,
                      lambda: _spawn([str(DISPATCH), "--raw-worker"], env), raw_conn.close,
                      statements)
    await arq.aclose()
    baseline = "raw arq job (1 + 2 commits)"
    figures = [
        Figure("pgload", "commits per execution (trigger + run)", ours[0], "commits",
               raw[0], baseline),
        Figure("pgload", "rows written per execution", ours[1], "rows", raw[1], baseline),
        Figure("pgload", "WAL bytes per execution", ours[2], "B", raw[2], baseline),
    ]
    if statements:
        figures.append(Figure("pgload", "statements per execution (trigger + run)", ours[3],
                              "statements", raw[3], baseline))
    return figures


def run() -> list[Any]:
    from domain.settings import get_settings

    with servers() as (pg_url, redis_url), environment(
            DATABASE_URL=pg_url, REDIS_URL=redis_url,
            FLOWPLANE_WORKER_POLL_DELAY=str(get_settings().worker_poll_delay)):
        return asyncio.run(_measure(pg_url, redis_url))


if __name__ == "__main__":
    print_table(run())
