"""The embedded servers: PostgreSQL keeps its data across a restart; Redis can restart empty."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
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


async def test_postgres_asks_every_role_but_the_superuser_for_a_scram_password(
        tmp_path: Path) -> None:
    pg = EmbeddedPostgres(tmp_path / "pg")
    pg.start()
    try:
        admin = await asyncpg.connect(pg.url)  # the platform's superuser keeps trust locally
        await admin.execute("CREATE ROLE worker LOGIN PASSWORD 'right'")
        method = await admin.fetchval(
            "SELECT auth_method FROM pg_hba_file_rules WHERE 'all' = ANY(user_name)"
            " AND type = 'host' AND address = '127.0.0.1'")
        await admin.close()
        base = f"127.0.0.1:{pg.port}/postgres"
        for url in (f"postgresql://worker@{base}", f"postgresql://worker:wrong@{base}"):
            with pytest.raises(asyncpg.InvalidPasswordError):
                await asyncpg.connect(url)
        conn = await asyncpg.connect(f"postgresql://worker:right@{base}")
        assert await conn.fetchval("SELECT current_user") == "worker"
        await conn.close()
        assert method == "scram-sha-256"
    finally:
        pg.stop()
