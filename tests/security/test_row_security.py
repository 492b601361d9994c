"""Row-level security and tenant roles, tried with a raw asyncpg client logged in as one
organization's worker role: another organization's rows stay out of reach, and so do the
platform's advisory locks, other roles and the tables a worker has no business with."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from db.engine import engine
from db.row_security import SCOPES, TENANT_GRANTS, unclassified_tables
from db.tables import TABLES
from db.tenant_roles import TenantRoleError, ensure_role, new_password, role_name
from domain._sql import fetch
from domain.event_log import prune_events
from domain.recording import LogLine, NewExecution, SpanOpen, create, record
from tests.factory import Factory

LIMIT = 7


def _login(url: str, user: str, password: str) -> str:
    host = url.split("@", 1)[1]
    return f"postgresql://{user}:{password}@{host}"


async def _admin(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(url)


async def make_tenant(url: str, organization_id: int) -> tuple[str, str]:
    """A worker role for the organization, as the platform creates it; (role, password)."""
    conn = await _admin(url)
    try:
        role = await role_name(conn, organization_id)
        password = new_password()
        await conn.execute(
            "INSERT INTO tenant_credential (organization, db_role, db_password, redis_user,"
            " redis_password, created_at) VALUES ($1, $2, $3, $2, $3, now())",
            organization_id, role, password)
        await ensure_role(conn, role, password, LIMIT)
    finally:
        await conn.close()
    return role, password


async def _execution(org: dict[str, Any], workflow: dict[str, Any]) -> int:
    created = await create(NewExecution(
        organization_id=org["id"], workflow_id=workflow["id"], trigger_type="manual",
        triggered_by=None, input={}, workflow_version=1, definition={"nodes": []},
        max_attempts=1, queue_name="q"))
    execution_id = int(created.execution.id)
    await record(execution_id, SpanOpen("execution"), LogLine("hello"))
    return execution_id


@pytest.fixture
async def two_orgs(factory: Factory, database_url: str) -> AsyncIterator[dict[str, Any]]:
    acme, other = await factory.org("acme"), await factory.org("other")
    alice = await factory.user("alice", acme)
    bob = await factory.user("bob", other)
    mine = await factory.workflow(acme, alice, name="mine")
    theirs = await factory.workflow(other, bob, name="theirs")
    for org in (acme, other):
        await engine().run_ddl(
            f"INSERT INTO data_source (organization, name, type, config, managed_by, created_at,"
            f" updated_at) VALUES ({org['id']}, 'db', 'postgres', '{{}}', 'api', now(), now())")
    role, password = await make_tenant(database_url, acme["id"])
    conn = await asyncpg.connect(_login(database_url, role, password))
    try:
        yield {"acme": acme, "other": other, "mine": mine, "theirs": theirs, "conn": conn,
               "role": role, "password": password,
               "my_execution": await _execution(acme, mine),
               "their_execution": await _execution(other, theirs)}
    finally:
        await conn.close()


@pytest.fixture
async def migrated(embedded: dict[str, object]) -> AsyncIterator[str]:
    """A database of its own, migrated by a real `flowplane migrate`: only what the
    migrations create (other tests add tables of their own to the session's database)."""
    server = str(embedded["pg_url"])
    name = f"flowplane_rls_{uuid.uuid4().hex[:10]}"
    admin = await _admin(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{server.rpartition('/')[0]}/{name}"
    try:
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "flowplane", "migrate"],
            env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True,
            check=False)
        assert done.returncode == 0, done.stderr
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_every_table_is_forced_under_row_security_and_declared(migrated: str) -> None:
    admin = await _admin(migrated)
    try:
        rows = await admin.fetch(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')")
        undeclared = await unclassified_tables(admin)
    finally:
        await admin.close()
    assert {t._meta.tablename for t in TABLES} <= {r["relname"] for r in rows}
    open_tables = [r["relname"] for r in rows
                   if not (r["relrowsecurity"] and r["relforcerowsecurity"])]
    assert open_tables == []
    # A new table must say how its rows belong to an organization (db.row_security.SCOPES).
    assert undeclared == []


async def test_tenant_role_sees_only_its_organization(two_orgs: dict[str, Any]) -> None:
    conn, acme = two_orgs["conn"], two_orgs["acme"]
    for table in ("workflow", "execution", "execution_summary", "event", "data_source"):
        orgs = {r["organization"] for r in await conn.fetch(f"SELECT organization FROM {table}")}
        assert orgs == {acme["id"]}, table
    for table in ("execution_span", "execution_log"):
        executions = {r["execution"] for r in await conn.fetch(f"SELECT execution FROM {table}")}
        assert executions == {two_orgs["my_execution"]}, table
    streams = {r["stream"] for r in await conn.fetch("SELECT stream FROM event")}
    assert f"execution:{two_orgs['their_execution']}" not in streams
    assert f"execution:{two_orgs['my_execution']}" in streams


async def test_tenant_role_cannot_write_another_organizations_rows(
        two_orgs: dict[str, Any]) -> None:
    conn, theirs = two_orgs["conn"], two_orgs["their_execution"]
    assert await conn.execute(
        "UPDATE execution SET status = 'failed' WHERE id = $1", theirs) == "UPDATE 0"
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        await conn.execute("INSERT INTO execution_span (execution, kind, attempt, status,"
                           " started_at, output_truncated) VALUES ($1, 'node', 1, 'running',"
                           " now(), false)", theirs)
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        await conn.execute("INSERT INTO execution_log (execution, level, message, created_at)"
                           " VALUES ($1, 'info', 'x', now())", theirs)
    # Its own organization's id on an event of another organization's stream is refused too.
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        await conn.execute(
            "INSERT INTO event (organization, execution, seq, stream, kind, payload, created_at)"
            " VALUES ($1, NULL, 99, $2, 'log', '{}', now())",
            two_orgs["acme"]["id"], f"execution:{theirs}")
    # Nor take a cursor of its stream, nor choose where its own events stand in the feeds.
    assert await conn.execute(
        "UPDATE execution SET event_seq = event_seq + 1 WHERE id = $1", theirs) == "UPDATE 0"
    for column in ("tx", "ftx"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(
                "INSERT INTO event (organization, execution, seq, stream, kind, payload,"
                f" created_at, {column}) VALUES ($1, $2, 99, $3, 'log', '{{}}', now(), 0)",
                two_orgs["acme"]["id"], two_orgs["my_execution"],
                f"execution:{two_orgs['my_execution']}")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await conn.execute("UPDATE execution SET event_ftx = 0 WHERE id = $1",
                           two_orgs["my_execution"])
    # Nor can it move its own execution into another organization or workflow.
    for column, value in (("organization", two_orgs["other"]["id"]),
                          ("workflow", two_orgs["theirs"]["id"])):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(f"UPDATE execution SET {column} = $2 WHERE id = $1",
                               two_orgs["my_execution"], value)


async def test_tenant_role_cannot_date_an_event_for_retention_to_delete_at_once(
        two_orgs: dict[str, Any]) -> None:
    # Retention records what it deleted in the one horizon every feed cursor is held against:
    # an event a worker dated in the past would be pruned now and expire everyone's cursors.
    mine = two_orgs["my_execution"]
    await two_orgs["conn"].execute(
        "INSERT INTO event (organization, execution, seq, stream, kind, payload, created_at)"
        " VALUES ($1, $2, 1000, $3, 'log', '{}', '1970-01-01T00:00:00Z')",
        two_orgs["acme"]["id"], mine, f"execution:{mine}")
    rows = await fetch("SELECT created_at > now() - interval '1 minute' AS recent FROM event"
                       " WHERE execution = $1 AND seq = 1000", mine)
    assert [r["recent"] for r in rows] == [True]
    assert await prune_events(older_than_hours=1) == 0


async def test_tenant_role_has_no_privileges_on_platform_tables(
        two_orgs: dict[str, Any]) -> None:
    conn = two_orgs["conn"]
    for table in sorted(set(SCOPES) - set(TENANT_GRANTS)):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetch(f"SELECT 1 FROM {table} LIMIT 1")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await conn.fetch("SELECT webhook_token FROM workflow")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await conn.execute("CREATE TABLE mine (id int)")


async def test_tenant_role_cannot_take_the_platforms_advisory_locks(
        two_orgs: dict[str, Any]) -> None:
    conn = two_orgs["conn"]
    for call in ("pg_advisory_lock(1)", "pg_try_advisory_lock(1)", "pg_advisory_lock(1, 2)",
                 "pg_try_advisory_lock_shared(1)", "pg_advisory_xact_lock(1)",
                 "pg_try_advisory_xact_lock(1, 2)"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetchval(f"SELECT {call}")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="not a workflow of this"):
        async with conn.transaction():
            await conn.fetchval("SELECT flowplane_lock_workflow($1)", two_orgs["theirs"]["id"])
    async with conn.transaction():  # its own workflow's concurrency lock works
        await conn.fetchval("SELECT flowplane_lock_workflow($1)", two_orgs["mine"]["id"])


async def test_tenant_role_cannot_become_another_role(two_orgs: dict[str, Any],
                                                      database_url: str) -> None:
    conn = two_orgs["conn"]
    other_role, other_password = await make_tenant(database_url, two_orgs["other"]["id"])
    for statement in ("SET ROLE postgres", f'SET ROLE "{other_role}"',
                      "SET SESSION AUTHORIZATION postgres"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(statement)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await conn.fetch("SELECT rolpassword FROM pg_authid")
    # Its password opens no other role's login.
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(_login(database_url, other_role, two_orgs["password"]))
    assert other_password != two_orgs["password"]


async def test_tenant_role_has_only_the_attributes_of_a_worker(
        two_orgs: dict[str, Any]) -> None:
    admin = await _admin(engine().config["dsn"])
    try:
        role = await admin.fetchrow("SELECT * FROM pg_authid WHERE rolname = $1",
                                    two_orgs["role"])
        owned = await admin.fetchval(
            "SELECT count(*) FROM pg_shdepend WHERE refobjid = $1 AND deptype = 'o'",
            role["oid"])
        member_of = await admin.fetchval(
            "SELECT count(*) FROM pg_auth_members WHERE member = $1", role["oid"])
    finally:
        await admin.close()
    assert role["rolcanlogin"] and role["rolconnlimit"] == LIMIT
    assert not any(role[a] for a in ("rolsuper", "rolbypassrls", "rolcreatedb",
                                     "rolcreaterole", "rolreplication"))
    assert role["rolpassword"].startswith("SCRAM-SHA-256$")
    assert (owned, member_of) == (0, 0)


async def test_no_role_is_handed_out_while_tenants_could_take_advisory_locks(
        factory: Factory, database_url: str) -> None:
    """What a database migrated without a superuser looks like: the revoke did not happen."""
    org = await factory.org("acme")
    admin = await _admin(database_url)
    function = "pg_catalog.pg_try_advisory_lock(bigint)"
    await admin.execute(f"GRANT EXECUTE ON FUNCTION {function} TO PUBLIC")
    try:
        with pytest.raises(TenantRoleError, match="pg_try_advisory_lock"):
            await make_tenant(database_url, org["id"])
    finally:
        await admin.execute(f"REVOKE EXECUTE ON FUNCTION {function} FROM PUBLIC")
        await admin.close()
