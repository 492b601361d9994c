"""Event log: lock waits per 1,000 executions with 4 worker processes on one busy workflow, and
how long the watermark holds committed feed events back (domain.event_log).

Each round enqueues a backlog of BACKLOG executions of a 3-node workflow, then runs WORKERS
`python -m flowplane worker` processes until it is done, while one connection samples
`pg_locks` (waits not granted, joined to `pg_stat_activity`) in a loop. A wait is one
(backend, lock, query start) seen in at least one sample, so short waits between samples are
missed: the counts are lower bounds, the same for both rounds. The same run's baseline is the
old design's hot rows, put back by a trigger: every feed event also takes the next cursor of
`workflow:<id>:executions` and `organization:<id>:executions` in a shared row held until
commit, as `stream_cursor` did.

The watermark lag is sampled in the new round only: the age of the oldest committed feed
event that a feed reader could not read yet (`ftx` not below the watermark).

Run: `make bench` (all benchmarks) or `.venv/bin/python -m bench eventlog`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import time
from collections import Counter
from typing import IO, Any

import asyncpg

from bench._common import (
    Figure,
    drop_database,
    environment,
    percentile,
    print_table,
    scratch_database,
    servers,
)
from bench.dispatch import _workflow

BACKLOG = 200
WORKERS = 4

_OLD_CURSORS = """
CREATE TABLE IF NOT EXISTS bench_stream_cursor (stream text PRIMARY KEY, seq bigint NOT NULL);
CREATE OR REPLACE FUNCTION bench_old_cursor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.feed THEN
        INSERT INTO bench_stream_cursor VALUES ('workflow:' || NEW.workflow || ':executions', 1)
        ON CONFLICT (stream) DO UPDATE SET seq = bench_stream_cursor.seq + 1;
        INSERT INTO bench_stream_cursor
        VALUES ('organization:' || NEW.organization || ':executions', 1)
        ON CONFLICT (stream) DO UPDATE SET seq = bench_stream_cursor.seq + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER bench_old_cursor AFTER INSERT ON event
    FOR EACH ROW EXECUTE FUNCTION bench_old_cursor();
"""
_WAITS = """
SELECT l.pid, l.locktype, coalesce(l.relation::regclass::text, l.transactionid::text,
       l.virtualxid, l.objid::text, '') AS target, a.query_start
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE NOT l.granted AND a.datname = current_database() AND l.pid <> pg_backend_pid()
"""
_HELD_BACK = """
SELECT extract(epoch FROM clock_timestamp() - min(created_at)) AS age FROM event
WHERE feed AND ftx >= pg_snapshot_xmin(pg_current_snapshot())::text::bigint
"""


class _Sampler:
    def __init__(self, url: str, lag: bool) -> None:
        self.url, self.lag = url, lag
        self.waits: set[tuple[Any, ...]] = set()
        self.ages: list[float] = []
        self.samples = 0

    async def run(self, stop: asyncio.Event) -> None:
        conn = await asyncpg.connect(self.url)
        try:
            while not stop.is_set():
                for row in await conn.fetch(_WAITS):
                    self.waits.add((row["pid"], row["locktype"], row["target"],
                                    row["query_start"]))
                if self.lag:
                    self.ages.append(float(await conn.fetchval(_HELD_BACK) or 0.0))
                self.samples += 1
        finally:
            await conn.close()

    def by_type(self) -> Counter[str]:
        return Counter(str(wait[1]) for wait in self.waits)


async def _drain(first: int, processes: list[asyncio.subprocess.Process],
                 logs: list[IO[bytes]]) -> None:
    """Wait until the backlog from execution `first` on has ended."""
    from domain._sql import fetch_one

    deadline = time.monotonic() + 900
    done_sql = "SELECT count(*) AS n FROM execution WHERE id >= $1 AND ended_at IS NOT NULL"
    while (await fetch_one(done_sql, first) or {"n": 0})["n"] < BACKLOG:
        if time.monotonic() > deadline or any(p.returncode is not None for p in processes):
            logs[0].seek(0)
            tail = logs[0].read()[-3000:].decode(errors="replace")
            raise RuntimeError(f"the backlog of {BACKLOG} did not complete:\n{tail}")
        await asyncio.sleep(0.2)


async def _stop(processes: list[asyncio.subprocess.Process]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            await asyncio.wait_for(process.wait(), 60)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _round(url: str, workflow_id: int, old_cursors: bool) -> tuple[_Sampler, float]:
    from domain._sql import fetch
    from domain.executions import start_execution

    conn = await asyncpg.connect(url)
    try:  # several statements: not a prepared one
        await conn.execute(_OLD_CURSORS if old_cursors else
                           "DROP TRIGGER IF EXISTS bench_old_cursor ON event")
    finally:
        await conn.close()
    first = 0
    for n in range(BACKLOG):
        row = await start_execution(workflow_id, trigger_type="manual", triggered_by=None,
                                    input={"n": n})
        first = first or int(row.id)
    sampler, stop = _Sampler(url, lag=not old_cursors), asyncio.Event()
    sampling = asyncio.create_task(sampler.run(stop))
    with contextlib.ExitStack() as stack:
        logs = [stack.enter_context(tempfile.TemporaryFile()) for _ in range(WORKERS)]
        processes = [await asyncio.create_subprocess_exec(
            sys.executable, "-m", "flowplane", "worker", stdout=log, stderr=log)
            for log in logs]
        try:
            await _drain(first, processes, logs)
        finally:
            stop.set()
            await _stop(processes)
    await sampling
    rows = await fetch("SELECT min(started_at) AS a, max(ended_at) AS b FROM execution"
                       " WHERE id >= $1", first)
    return sampler, BACKLOG / (rows[0]["b"] - rows[0]["a"]).total_seconds()


async def _measure(server_url: str, redis_url: str) -> list[Figure]:
    from db import engine
    from domain.dispatch import close_pools

    url = await scratch_database(server_url)
    engine.configure(url)
    await engine.migrate()
    await engine.start_pool(max_size=5)
    try:
        with environment(DATABASE_URL=url, REDIS_URL=redis_url):
            workflow_id = await _workflow()
            new, new_rate = await _round(url, workflow_id, old_cursors=False)
            old, old_rate = await _round(url, workflow_id, old_cursors=True)
            await close_pools()
    finally:
        await engine.close_pool()
        await drop_database(server_url, url)
    per_1000 = 1000 / BACKLOG
    print(f"backlog {BACKLOG} executions per round, {WORKERS} worker processes, one workflow;"
          f" {new.samples} / {old.samples} pg_locks samples")
    print(f"lock waits by type: event log {dict(new.by_type()) or '{}'};"
          f" old shared cursor rows {dict(old.by_type()) or '{}'}")
    ages_ms = [age * 1000 for age in new.ages] or [0.0]
    return [
        Figure("eventlog", f"lock waits per 1,000 executions, {WORKERS} workers",
               len(new.waits) * per_1000, "waits", len(old.waits) * per_1000,
               "old shared cursor rows"),
        Figure("eventlog", f"executions/s, {WORKERS} workers, one workflow", new_rate,
               "exec/s", old_rate, "old shared cursor rows"),
        Figure("eventlog", "watermark lag p50 (feed events held back)",
               percentile(ages_ms, 50), "ms"),
        Figure("eventlog", "watermark lag p99 (feed events held back)",
               percentile(ages_ms, 99), "ms"),
    ]


def run() -> list[Figure]:
    with servers() as (database_url, redis_url):
        return asyncio.run(_measure(database_url, redis_url))


if __name__ == "__main__":
    print_table(run())
