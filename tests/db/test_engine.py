"""The engine's pool: a released connection costs no reset round trip, and still comes back
out of any transaction."""

from __future__ import annotations

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
