"""Test harness: real PostgreSQL and Redis for the whole session, a clean database per test.

Embedded servers start once per session unless DATABASE_URL / REDIS_URL are set; even then the
suite works in a throwaway database of its own, so it never touches existing data.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis

from flowplane.embedded import EmbeddedPostgres, EmbeddedRedis
from tests.factory import Factory


@pytest.fixture(scope="session")
def _servers() -> Iterator[dict[str, object]]:
    work = Path(tempfile.mkdtemp(prefix="flowplane-test-"))
    started: dict[str, object] = {"work": work}
    pg_url = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if not pg_url:
        pg = EmbeddedPostgres(work / "pg")
        pg.start()
        started["pg"] = pg
        pg_url = pg.url
    if not redis_url:
        rd = EmbeddedRedis(work / "redis")
        rd.start()
        started["redis"] = rd
        redis_url = rd.url
    started["pg_url"], started["redis_url"] = pg_url, redis_url
    yield started
    for name in ("redis", "pg"):
        server = started.get(name)
        if server is not None:
            server.stop()  # type: ignore[attr-defined]


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
async def database_url(_servers: dict[str, object]) -> AsyncIterator[str]:
    """A fresh, migrated database on the session's server; dropped at the end."""
    admin_url = str(_servers["pg_url"])
    name = f"flowplane_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = _with_database(admin_url, name)
    from db import engine

    engine.configure(url)
    await engine.migrate()
    await engine.start_pool()
    yield url
    await engine.close_pool()
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture(scope="session")
def redis_url(_servers: dict[str, object]) -> str:
    url = str(_servers["redis_url"])
    os.environ["REDIS_URL"] = url
    return url


@pytest.fixture(scope="session")
def embedded(_servers: dict[str, object]) -> dict[str, object]:
    """The embedded server objects (keys 'pg', 'redis' when the suite started them)."""
    return _servers


@pytest.fixture
async def db(database_url: str, redis_url: str) -> AsyncIterator[str]:
    """A clean database (every table emptied) and an empty Redis for one test."""
    from db import engine

    await engine.truncate_all()
    client = aioredis.from_url(redis_url)
    await client.flushdb()
    await client.aclose()
    yield database_url


@pytest.fixture
def factory(db: str) -> Factory:
    return Factory()
