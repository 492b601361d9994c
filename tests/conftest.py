"""Test harness: real PostgreSQL and Redis for the whole session, a clean database per test.

Embedded servers start once per session unless DATABASE_URL / REDIS_URL are set; even then the
suite works in a throwaway database of its own, so it never touches existing data: on a given
PostgreSQL a database it creates and drops, on a given Redis a database index that was empty
and that it claims with a marker key. The suite empties only that index, never one it did not
claim (a given REDIS_URL's own index keeps its data).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import redis
import redis.asyncio as aioredis
from hypothesis import settings

from flowplane.embedded import EmbeddedPostgres, EmbeddedRedis
from tests.factory import Factory

# Tests never fail on wall-clock time: hypothesis's per-example deadline (200 ms) would, on a
# loaded machine. derandomize: the property tests draw the same examples on every run, so a
# red CI run is reproducible and never a draw of luck; FLOWPLANE_FUZZ_RANDOM=1 draws new ones
# (with more examples where a test reads FLOWPLANE_FUZZ_EXAMPLES) when hunting bugs.
settings.register_profile("flowplane", deadline=None,
                          derandomize=not os.environ.get("FLOWPLANE_FUZZ_RANDOM"))
settings.load_profile("flowplane")


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
    else:
        redis_url = _claim_redis_index(redis_url)
    started["pg_url"], started["redis_url"] = pg_url, redis_url
    yield started
    if "redis" not in started:
        _release_redis_index(redis_url)
    for name in ("redis", "pg"):
        server = started.get(name)
        if server is not None:
            server.stop()  # type: ignore[attr-defined]


REDIS_MARKER = "flowplane-test:claimed"
REDIS_INDEXES = range(15, 0, -1)  # never index 0, where a given Redis keeps its data


def _with_index(url: str, index: int) -> str:
    base = url.split("?")[0].rstrip("/")
    head, _, last = base.rpartition("/")
    if last.isdigit() and head.count("/") >= 2:
        base = head
    return f"{base}/{index}"


def _claim_redis_index(url: str) -> str:
    """An empty database index of the given Redis, claimed for this session with a marker
    key (SET NX), so the suite may empty it; refuses when every index holds data."""
    token = uuid.uuid4().hex
    for index in REDIS_INDEXES:
        candidate = _with_index(url, index)
        client = redis.Redis.from_url(candidate)
        try:
            if client.dbsize() == 0 and client.set(REDIS_MARKER, token, nx=True):
                os.environ["FLOWPLANE_TEST_REDIS_TOKEN"] = token
                return candidate
        finally:
            client.close()
    raise pytest.UsageError(f"REDIS_URL {url}: no empty database index among 1-15 to test in")


def _release_redis_index(url: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        if client.get(REDIS_MARKER) == os.environ.get("FLOWPLANE_TEST_REDIS_TOKEN", "").encode():
            client.flushdb()
    finally:
        client.close()


async def empty_redis(url: str) -> None:
    """Empty the session's Redis database: one the suite started, or the index it claimed
    (whose marker is set again at once)."""
    client = aioredis.from_url(url)
    try:
        token = os.environ.get("FLOWPLANE_TEST_REDIS_TOKEN")
        if token is None:
            await client.flushdb()
            return
        if await client.get(REDIS_MARKER) != token.encode():
            raise AssertionError(f"{url} is not the index this session claimed; not emptied")
        await client.flushdb()
        await client.set(REDIS_MARKER, token)
    finally:
        await client.aclose()


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
    oid = await admin.fetchval("SELECT oid FROM pg_database WHERE datname = $1", name)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    # Organizations' worker roles are cluster-wide (db.tenant_roles): drop this database's.
    for role in await admin.fetch("SELECT rolname FROM pg_roles WHERE rolname LIKE $1",
                                  f"fp\\_{oid}\\_org\\_%"):
        await admin.execute(f'DROP ROLE IF EXISTS "{role["rolname"]}"')
    await admin.close()
    await _drop_acl_users(str(_servers["redis_url"]), f"fp-{oid}-org-")


async def _drop_acl_users(url: str, prefix: str) -> None:
    """Remove the organizations' Redis users this session declared (on a given Redis)."""
    client = aioredis.from_url(url)
    try:
        for user in await client.execute_command("ACL", "USERS"):
            name = user.decode() if isinstance(user, bytes) else str(user)
            if name.startswith(prefix):
                await client.execute_command("ACL", "DELUSER", name)
    finally:
        await client.aclose()


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
    await empty_redis(redis_url)
    yield database_url
    from engine.sandbox.warm import GUESTS

    await GUESTS.close()  # warm python guests belong to this test's workflows (ids restart)


@pytest.fixture
def factory(db: str) -> Factory:
    return Factory()


@pytest.fixture
def secret_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[bytes]:
    """A fresh master key of the secret store (FLOWPLANE_SECRET_KEY) for one test."""
    from domain import _envelope
    from domain.settings import get_settings

    key = _envelope.new_key()
    monkeypatch.setenv("FLOWPLANE_SECRET_KEY", _envelope.encode_key(key))
    get_settings.cache_clear()
    yield key
    monkeypatch.delenv("FLOWPLANE_SECRET_KEY", raising=False)
    get_settings.cache_clear()
