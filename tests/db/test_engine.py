"""The engine's pool: a released connection costs no reset round trip, and still comes back
out of any transaction."""

from __future__ import annotations

import contextlib

from db.engine import engine, side_pool


async def test_releasing_a_pooled_connection_runs_no_reset(db: str) -> None:
    for pool in (engine().pool, await side_pool()):
        seen: list[str] = []
        async with pool.acquire() as conn:
            conn.add_query_logger(lambda record, seen=seen: seen.append(record.query))
            await conn.fetchval("SELECT 1")
            logged = conn._con
        async with pool.acquire() as again:
            await again.fetchval("SELECT 2")
        logged._query_loggers.clear()
        assert [q for q in seen if "RESET" in q or "UNLISTEN" in q] == []
        assert "SELECT 1" in seen


async def test_a_connection_released_inside_a_transaction_comes_back_outside_one(
        db: str) -> None:
    pool = engine().pool
    async with pool.acquire() as conn:
        await conn.execute("BEGIN")
        await conn.execute("CREATE TEMP TABLE left_open (n int)")
    for _ in range(pool.get_size()):  # whichever connection it is next time
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT to_regclass('left_open')") is None


async def test_truncate_gives_up_on_a_transaction_left_open_and_names_it(
        database_url: str) -> None:
    """A session that keeps a table locked makes the per-test TRUNCATE fail within its limit,
    naming that session, instead of hanging the suite."""
    import asyncpg
    import pytest

    from db.engine import TruncateBlocked, truncate_all

    other = await asyncpg.connect(database_url,
                                  server_settings={"application_name": "left-open"})
    try:
        await other.execute("BEGIN")
        await other.fetchval("SELECT count(*) FROM workflow")
        with pytest.raises(TruncateBlocked,
                           match=r"left-open\) idle in transaction.*workflow AccessShareLock"):
            await truncate_all(lock_wait_seconds=1)
    finally:
        await other.close()
    await truncate_all(lock_wait_seconds=5)  # nothing holds it now


async def test_a_statement_cancelled_after_its_prepare_leaves_no_lock_behind(
        db: str, database_url: str) -> None:
    """asyncpg prepares with Parse/Describe/Flush: a task cancelled once the server has parsed
    (and locked the tables) but before Bind/Execute/Sync left that implicit transaction open on
    a pooled connection, holding its locks until the connection's next use (a TRUNCATE or a
    migration then waits forever). The pool's reset ends it."""
    import asyncio
    import time

    import asyncpg

    pool = engine().pool
    query = "SELECT count(*) FROM workflow /* cancelled after prepare */"
    for _ in range(5):  # whichever pooled connection it is
        async with pool.acquire() as conn:
            task = asyncio.create_task(conn.fetchval(query + f" /* {time.monotonic_ns()} */"))
            await asyncio.sleep(0)  # the Parse/Describe/Flush is written
            time.sleep(0.05)  # noqa: ASYNC251 - the server answers; the loop does not read
            await asyncio.sleep(0)  # the answer is read: the task is due to go on to Bind
            task.cancel()  # and is cancelled instead
            with contextlib.suppress(asyncio.CancelledError):
                await task
    other = await asyncpg.connect(database_url)
    try:
        await other.execute("SET lock_timeout = '2s'")
        async with other.transaction():
            await other.execute("LOCK TABLE workflow IN ACCESS EXCLUSIVE MODE")
    finally:
        await other.close()
