"""The embedded servers: PostgreSQL keeps its data across a restart; Redis can restart empty."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import redis

from flowplane.embedded import EmbeddedPostgres, EmbeddedRedis


async def test_postgres_keeps_data_across_restart(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(tmp_path / "pg")
    pg.start()
    try:
        conn = await asyncpg.connect(pg.url)
        await conn.execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")
        await conn.close()
        pg.restart()
        conn = await asyncpg.connect(pg.url)
        assert await conn.fetchval("SELECT v FROM kept") == 42
        await conn.close()
    finally:
        pg.stop()


def test_redis_persists_when_asked_and_restarts_empty_on_demand(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis", persist=True)
    server.start()
    try:
        client = redis.Redis.from_url(server.url)
        client.set("k", "v")
        server.stop()
        server.start()
        assert client.get("k") == b"v"
        server.restart_empty()
        assert client.get("k") is None
    finally:
        server.stop()
