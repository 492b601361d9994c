"""The exact credentials an organization's worker is given (`ensure_worker_credentials`),
tried with raw asyncpg and redis clients: they reach the organization's rows and keys, and
fail on another organization's, on the platform's, and on becoming anyone else."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import asyncpg
import pytest
import redis.asyncio as aioredis
from redis.exceptions import AuthenticationError, NoPermissionError, ResponseError

from domain import _envelope
from domain._envelope import SecretKeyError
from domain._sql import fetch
from domain.dispatch import DEFAULT_QUEUE, enqueue_execution, job_id, workflow_queue
from domain.settings import get_settings
from domain.worker_credentials import (
    WorkerCredentials,
    ensure_worker_credentials,
    opened_password,
)
from tests.factory import Factory
from tests.security.test_row_security import _execution


@pytest.fixture(autouse=True)
def _settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _redis(url: str) -> aioredis.Redis:
    client: aioredis.Redis = aioredis.from_url(url)  # type: ignore[no-untyped-call]
    return client


@pytest.fixture
async def world(factory: Factory, redis_url: str) -> AsyncIterator[dict[str, Any]]:
    acme, other = await factory.org("acme"), await factory.org("other")
    alice, bob = await factory.user("alice", acme), await factory.user("bob", other)
    mine = await factory.workflow(acme, alice, name="mine")
    theirs = await factory.workflow(other, bob, name="theirs")
    creds = await ensure_worker_credentials(acme["id"])
    client = _redis(creds.redis_url)
    try:
        yield {"acme": acme, "other": other, "mine": mine, "theirs": theirs, "creds": creds,
               "redis": client, "their_execution": await _execution(other, theirs)}
    finally:
        await client.aclose()


def test_credentials_hold_nothing_of_the_platform(world: dict[str, Any]) -> None:
    creds: WorkerCredentials = world["creds"]
    settings = get_settings()
    platform = {urlsplit(settings.database_url).password, urlsplit(settings.redis_url).password}
    values = "\n".join(creds.env().values())
    assert settings.database_url not in values and settings.redis_url not in values
    assert all(secret not in values for secret in platform if secret)
    assert urlsplit(creds.database_url).username != urlsplit(settings.database_url).username
    assert urlsplit(creds.redis_url).username not in (None, "", "default")


async def test_credentials_are_stable_and_idempotent(world: dict[str, Any]) -> None:
    again = await ensure_worker_credentials(world["acme"]["id"])
    assert again == world["creds"]
    conn = await asyncpg.connect(again.database_url)  # re-asserting kept the password valid
    await conn.close()
    assert await world["redis"].ping()


async def test_database_credentials_reach_only_their_organization(
        world: dict[str, Any]) -> None:
    conn = await asyncpg.connect(world["creds"].database_url)
    try:
        orgs = {r["organization"] for r in await conn.fetch("SELECT organization FROM workflow")}
        assert orgs == {world["acme"]["id"]}
        assert await conn.fetch("SELECT id FROM execution WHERE id = $1",
                                world["their_execution"]) == []
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetch("SELECT * FROM tenant_credential")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("SET ROLE postgres")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetchval("SELECT pg_try_advisory_lock(1)")
    finally:
        await conn.close()
    parts = urlsplit(world["creds"].database_url)
    other = await ensure_worker_credentials(world["other"]["id"])
    wrong = other.database_url.replace(urlsplit(other.database_url).password or "",
                                       parts.password or "")
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(wrong)


async def test_redis_credentials_reach_only_their_organizations_keys(
        world: dict[str, Any]) -> None:
    client, acme, other = world["redis"], world["acme"]["id"], world["other"]["id"]
    mine = workflow_queue(acme, world["mine"]["id"])
    theirs = workflow_queue(other, world["theirs"]["id"])
    await client.zadd(mine, {job_id(acme, 1, 1): 1})
    await client.set(f"arq:job:{job_id(acme, 1, 1)}", b"x")
    assert await client.zcard(mine) == 1
    for attempt in (lambda: client.zcard(theirs), lambda: client.zcard(DEFAULT_QUEUE),
                    lambda: client.get(f"arq:job:{job_id(other, 1, 1)}"),
                    lambda: client.set(f"arq:in-progress:{job_id(other, 1, 1)}", b"1"),
                    lambda: client.get("flowplane:local-workers")):
        with pytest.raises(NoPermissionError):
            await attempt()
    for command in (("KEYS", "*"), ("SCAN", "0"), ("FLUSHDB",), ("CONFIG", "GET",
                    "*"), ("ACL", "LIST"), ("CLIENT", "LIST"), ("SUBSCRIBE", "x"),
                    ("PUBLISH", "x", "y"), ("EVAL", "return 1", "0"), ("MONITOR",)):
        with pytest.raises(NoPermissionError):
            await client.execute_command(*command)


async def test_redis_credentials_cannot_become_another_user(world: dict[str, Any],
                                                           redis_url: str) -> None:
    password = urlsplit(world["creds"].redis_url).password
    anonymous = _redis(redis_url.replace(f":{urlsplit(redis_url).password}@", "", 1)
                       if urlsplit(redis_url).password else redis_url)
    try:
        with pytest.raises((AuthenticationError, ResponseError)):
            await anonymous.zcard(DEFAULT_QUEUE)  # no anonymous `default` user to fall back on
    finally:
        await anonymous.aclose()
    other = await ensure_worker_credentials(world["other"]["id"])
    for user in ("default", urlsplit(other.redis_url).username):
        with pytest.raises((AuthenticationError, ResponseError)):
            await world["redis"].execute_command("AUTH", user, password)


async def test_the_platform_enqueues_where_the_organizations_worker_can_take_it(
        world: dict[str, Any], redis_url: str) -> None:
    from datetime import UTC, datetime

    acme = world["acme"]["id"]
    queue = workflow_queue(acme, world["mine"]["id"])
    assert await enqueue_execution(acme, 5, 1, queue, datetime.now(UTC), redis_url=redis_url)
    client = world["redis"]
    assert [v.decode() for v in await client.zrange(queue, 0, -1)] == [job_id(acme, 5, 1)]
    assert await client.exists(f"arq:job:{job_id(acme, 5, 1)}") == 1


async def test_a_redis_that_forgot_the_acl_users_gets_them_back(world: dict[str, Any],
                                                                redis_url: str) -> None:
    from domain.worker_credentials import restore_acl_users

    user = urlsplit(world["creds"].redis_url).username
    platform = _redis(redis_url)
    try:
        await platform.execute_command("ACL", "DELUSER", user)  # what a restart does
        with pytest.raises((AuthenticationError, ResponseError)):
            await _ping(world["creds"].redis_url)
        assert await restore_acl_users() == 1
        assert await restore_acl_users() == 0
    finally:
        await platform.aclose()
    assert await _ping(world["creds"].redis_url)


async def _ping(url: str) -> bool:
    client = _redis(url)
    try:
        return bool(await client.ping())
    finally:
        await client.aclose()


def _passwords(creds: WorkerCredentials) -> set[str]:
    return {unquote(urlsplit(url).password or "") for url in (creds.database_url,
                                                               creds.redis_url)}


async def _stored(organization_id: int) -> list[str]:
    rows = await fetch("SELECT db_password, redis_password FROM tenant_credential"
                       " WHERE organization = $1", organization_id)
    return [str(rows[0]["db_password"]), str(rows[0]["redis_password"])]


async def _connects(creds: WorkerCredentials) -> None:
    conn = await asyncpg.connect(creds.database_url)
    try:
        assert await conn.fetchval("SELECT 1") == 1
    finally:
        await conn.close()
    client = _redis(creds.redis_url)
    try:
        assert await client.ping()
    finally:
        await client.aclose()


async def test_stored_passwords_are_sealed_and_workers_still_connect(
        factory: Factory, secret_key: bytes) -> None:
    org = await factory.org("sealed")

    creds = await ensure_worker_credentials(org["id"])

    stored = await _stored(org["id"])
    assert all(value.startswith("fpenc1:") for value in stored)
    assert not any(password in value for password in _passwords(creds) for value in stored)
    await _connects(creds)
    assert await ensure_worker_credentials(org["id"]) == creds


async def test_clear_rows_from_before_are_sealed_by_the_migration_and_on_first_read(
        factory: Factory, secret_key: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    orgs = [await factory.org(f"older{n}") for n in range(3)]
    monkeypatch.delenv("FLOWPLANE_SECRET_KEY")  # rows stored before there was a master key
    get_settings.cache_clear()
    before = [await ensure_worker_credentials(org["id"]) for org in orgs]
    for org, creds in zip(orgs, before, strict=True):
        assert set(await _stored(org["id"])) == _passwords(creds)
    monkeypatch.setenv("FLOWPLANE_SECRET_KEY", _envelope.encode_key(secret_key))
    get_settings.cache_clear()
    migration = importlib.import_module("db.migrations.flowplane_2026_12_04t15_00_00_000000")

    assert await ensure_worker_credentials(orgs[2]["id"]) == before[2]  # sealed on this read
    assert await migration.seal_rows(secret_key) == 2  # the migration seals the others
    assert await migration.seal_rows(secret_key) == 0

    for org, creds in zip(orgs, before, strict=True):
        stored = await _stored(org["id"])
        assert all(value.startswith("fpenc1:") for value in stored)
        opened = {opened_password(org["id"], column, value)
                  for column, value in zip(("db_password", "redis_password"), stored,
                                           strict=True)}
        assert opened == _passwords(creds)
        assert await ensure_worker_credentials(org["id"]) == creds
        await _connects(creds)
    with pytest.raises(SecretKeyError):  # bound to its organization and column
        opened_password(orgs[1]["id"], "db_password", (await _stored(orgs[0]["id"]))[0])
