"""Scale-out: completed executions per second of a 3-node workflow with 1 and with 2 worker
processes (real `python -m flowplane worker` subprocesses), beside the machine's core count.

Each round enqueues a backlog of BACKLOG executions with no worker running, then starts the
workers together and waits until the backlog is done. The rate counts completions between the
10th and the 90th percentile of their end times (PostgreSQL's `ended_at`), so neither the
workers' start-up nor the last stragglers count. PostgreSQL, Redis, the workers and this process
share the same cores: with 2 cores, 2 workers cannot reach 2x.

Run: `make bench` (all benchmarks), `.venv/bin/python -m bench scaleout` or `-m bench.scaleout`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from typing import IO

from bench._common import (
    Figure,
    drop_database,
    environment,
    print_table,
    scratch_database,
    servers,
)
from bench.dispatch import _workflow

BACKLOG = 400
WORKERS = (1, 2)


async def _round(workflow_id: int, workers: int) -> float:
    """Executions per second of `workers` worker processes on a fresh backlog."""
    from domain._sql import fetch
    from domain.executions import start_execution

    first = 0
    for n in range(BACKLOG):
        row = await start_execution(workflow_id, trigger_type="manual", triggered_by=None,
                                    input={"n": n})
        first = first or int(row.id)
    with contextlib.ExitStack() as stack:
        logs = [stack.enter_context(tempfile.TemporaryFile()) for _ in range(workers)]
        processes = [await asyncio.create_subprocess_exec(
            sys.executable, "-m", "flowplane", "worker", stdout=log, stderr=log)
            for log in logs]
        try:
            await _drain(first, processes, logs)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                await asyncio.wait_for(process.wait(), 10)
    rows = await fetch("SELECT ended_at, status FROM execution WHERE id >= $1 ORDER BY ended_at",
                       first)
    assert all(r["status"] == "completed" for r in rows), {r["status"] for r in rows}
    low, high = len(rows) // 10, len(rows) * 9 // 10
    return (high - low) / (rows[high]["ended_at"] - rows[low]["ended_at"]).total_seconds()


async def _drain(first: int, processes: list[asyncio.subprocess.Process],
                 logs: list[IO[bytes]]) -> None:
    """Wait until the backlog from execution `first` on has ended."""
    from domain._sql import fetch_one

    deadline = time.monotonic() + 300
    done_sql = "SELECT count(*) AS n FROM execution WHERE id >= $1 AND ended_at IS NOT NULL"
    while (await fetch_one(done_sql, first) or {"n": 0})["n"] < BACKLOG:
        if time.monotonic() > deadline or any(p.returncode is not None for p in processes):
            logs[0].seek(0)
            tail = logs[0].read()[-3000:].decode(errors="replace")
            raise RuntimeError(f"the backlog of {BACKLOG} did not complete:\n{tail}")
        await asyncio.sleep(0.05)


async def _measure(server_url: str, redis_url: str) -> list[Figure]:
    from db import engine
    from domain.dispatch import close_pools

    url = await scratch_database(server_url)
    engine.configure(url)
    await engine.migrate()
    await engine.start_pool(max_size=5)
    rates: dict[int, float] = {}
    try:
        with environment(DATABASE_URL=url, REDIS_URL=redis_url):
            workflow_id = await _workflow()
            for workers in WORKERS:
                rates[workers] = await _round(workflow_id, workers)
            await close_pools()
    finally:
        await engine.close_pool()
        await drop_database(server_url, url)
    cores = os.cpu_count()
    print(f"backlog {BACKLOG} executions per round; {cores} cores")
    return [
        Figure("scaleout", f"1 worker process ({cores} cores)", rates[1], "exec/s"),
        Figure("scaleout", f"2 worker processes ({cores} cores)", rates[2], "exec/s",
               rates[1], "1 worker process"),
    ]


def run() -> list[Figure]:
    with servers() as (database_url, redis_url):
        return asyncio.run(_measure(database_url, redis_url))


if __name__ == "__main__":
    print_table(run())
