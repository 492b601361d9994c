"""PostgreSQL roles of organizations' workers: created on demand, held to `db.row_security`.

A tenant role logs in with a password (sent to the server as a SCRAM-SHA-256 verifier, so the
password itself never reaches the server or its logs), owns nothing, is a member of no role
(it cannot SET ROLE), has no BYPASSRLS, SUPERUSER, CREATEDB, CREATEROLE or REPLICATION, and a
connection limit. Role names are cluster-wide, so they carry the database's oid: two Flowplane
databases on one server never share a role.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets

import asyncpg

from db.row_security import ADVISORY_LOCKS, tenant_grant_statements

SCRAM_ITERATIONS = 4096
# Serialises role changes: concurrent CREATE/ALTER ROLE and GRANTs fail with "tuple
# concurrently updated" instead of waiting.
ROLE_LOCK = 0x54454E54  # "TENT"
log = logging.getLogger(__name__)


class TenantRoleError(RuntimeError):
    """The database cannot isolate an organization's worker role as required."""


def scram_verifier(password: str, *, salt: bytes | None = None,
                   iterations: int = SCRAM_ITERATIONS) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 / 7677)."""
    salt = salt or secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(value: bytes) -> str:
        return base64.b64encode(value).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def new_password() -> str:
    return secrets.token_urlsafe(32)


async def role_name(conn: asyncpg.Connection, organization_id: int) -> str:
    oid = await conn.fetchval("SELECT oid FROM pg_database WHERE datname = current_database()")
    return f"fp_{oid}_org_{organization_id}"


def _quote(role: str) -> str:
    return '"' + role.replace('"', '""') + '"'


async def ensure_role(conn: asyncpg.Connection, role: str, password: str,
                      connection_limit: int) -> None:
    """Create or reset the role with exactly the attributes and privileges of a tenant."""
    attributes = (f"LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION"
                  f" NOBYPASSRLS CONNECTION LIMIT {int(connection_limit)}"
                  f" PASSWORD '{scram_verifier(password)}'")
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", ROLE_LOCK)
        exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
        verb = "ALTER" if exists else "CREATE"
        await conn.execute(f"{verb} ROLE {_quote(role)} {attributes}")
        if exists:
            for member_of in await conn.fetch(
                    "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid"
                    " JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1", role):
                await conn.execute(f"REVOKE {_quote(member_of['rolname'])} FROM {_quote(role)}")
        database = await conn.fetchval("SELECT current_database()")
        await conn.execute(f"GRANT CONNECT ON DATABASE {_quote(database)} TO {_quote(role)}")
        for statement in tenant_grant_statements(role):
            await conn.execute(statement)
    await check_isolated(conn, role)


async def check_isolated(conn: asyncpg.Connection, role: str) -> None:
    """Refuse to hand out a role that could take the platform's advisory locks (the revoke in
    `db.row_security` needs the functions' owner, a superuser) or that owns anything."""
    lockable = [function for function in ADVISORY_LOCKS if await conn.fetchval(
        "SELECT has_function_privilege($1, $2, 'EXECUTE')", role, f"pg_catalog.{function}")]
    if lockable:
        raise TenantRoleError(
            f"role {role} may execute {', '.join(lockable)}: run `flowplane migrate` as a "
            "superuser once so that EXECUTE on the advisory-lock functions is revoked from "
            "PUBLIC")
    owned = await conn.fetchval(
        "SELECT count(*) FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid"
        " WHERE r.rolname = $1 AND d.deptype = 'o'", role)
    if owned:
        raise TenantRoleError(f"role {role} owns {owned} objects; tenant roles own nothing")


async def regrant_all(conn: asyncpg.Connection) -> None:
    """Grant every existing tenant role what `TENANT_GRANTS` says now (after migrations)."""
    rows = await conn.fetch("SELECT c.db_role FROM tenant_credential c JOIN pg_roles r"
                            " ON r.rolname = c.db_role")
    for row in rows:
        for statement in tenant_grant_statements(str(row["db_role"])):
            await conn.execute(statement)
