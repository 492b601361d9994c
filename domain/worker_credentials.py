"""The credentials an organization's workers get: its own PostgreSQL role and Redis ACL user.

The platform creates them on demand (`ensure_worker_credentials`, at deploy time and when the
local provisioner starts an organization's worker process), keeps them in `tenant_credential`
(read by platform processes only; the passwords sealed with the master key of the secret
store when there is one: a copy of the table alone opens nothing) and hands a worker its
organization's values and nothing else: never the platform's `DATABASE_URL` or `REDIS_URL`.
What they can reach is decided by PostgreSQL (`db.row_security`) and Redis
(`domain.redis_acl`), not by the worker's code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from db.engine import engine
from db.tenant_roles import ensure_role, new_password, role_name
from domain import _envelope
from domain._sql import fetch, fetch_one
from domain.settings import get_settings

DATA_KEY_ENV = "FLOWPLANE_ORG_DATA_KEY"
_PASSWORDS = ("db_password", "redis_password")


@dataclass(frozen=True)
class WorkerCredentials:
    organization_id: int
    database_url: str
    redis_url: str
    # The organization's unwrapped data key of the secret store (`with_data_key`), never the
    # master key FLOWPLANE_SECRET_KEY: it opens this organization's secrets and no other's.
    organization_data_key: str | None = None

    def env(self) -> dict[str, str]:
        """The environment of a worker of this organization (what a pod's Secret holds, and
        all a local organization worker process gets besides the basics): only this."""
        env = {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
               "FLOWPLANE_WORKER_ORGANIZATION": str(self.organization_id)}
        if self.organization_data_key is not None:
            env[DATA_KEY_ENV] = self.organization_data_key
        return env


async def with_data_key(credentials: WorkerCredentials) -> WorkerCredentials:
    """The credentials plus the organization's data key, when this platform process holds
    the master key (without one there is nothing to hand: `{secret}` references then fail
    with a message saying so)."""
    from dataclasses import replace

    from domain import _envelope, secret_store

    if not get_settings().secret_key.get_secret_value():
        return credentials
    key = await secret_store.organization_data_key(credentials.organization_id)
    return replace(credentials, organization_data_key=_envelope.encode_key(key))


# What a worker process started by the platform must not inherit from it.
PLATFORM_ONLY_ENV = ("DATABASE_URL", "REDIS_URL", "FLOWPLANE_SECRET_KEY", "FLOWPLANE_KUBECONFIG",
                     "PGPASSWORD", "PGPASSFILE", "REDISCLI_AUTH")


def worker_environment(platform: Mapping[str, str], credentials: WorkerCredentials
                       ) -> dict[str, str]:
    """The environment of an organization's worker process started by a platform process
    whose environment is `platform`: the settings, without any platform credential (any value
    holding the platform's database or Redis password is dropped too), plus the
    organization's credentials."""
    settings = get_settings()
    passwords = [p for p in (urlsplit(settings.database_url).password,
                             urlsplit(settings.redis_url).password) if p]
    env = {name: value for name, value in platform.items() if name not in PLATFORM_ONLY_ENV
           and not any(password in value for password in passwords)}
    return env | credentials.env()


def with_login(url: str, user: str, password: str) -> str:
    """`url` with its user and password replaced (host, port, database and options kept)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redis_user_name(role: str) -> str:
    return role.replace("_", "-")


def _master() -> bytes | None:
    text = get_settings().secret_key.get_secret_value()
    return _envelope.parse_key(text) if text else None


def _context(organization_id: int, column: str) -> str:
    return f"flowplane/tenant-credential/v1/{organization_id}/{column}"


def sealed_password(organization_id: int, column: str, password: str) -> str:
    """What `tenant_credential.<column>` stores: the password sealed with the master key (as
    the migration seals older rows), or as given where the platform has no master key."""
    master = _master()
    if master is None:
        return password
    return _envelope.seal_text(master, password, _context(organization_id, column))


def opened_password(organization_id: int, column: str, stored: str) -> str:
    """The password a `tenant_credential` column holds (sealed or, from before, clear)."""
    if not stored.startswith(_envelope.SEALED_TEXT):
        return stored
    master = _master()
    if master is None:
        raise _envelope.SecretKeyError("the worker credentials are sealed with the master key:"
                                       " set FLOWPLANE_SECRET_KEY")
    return _envelope.open_text(master, stored, _context(organization_id, column))


def _opened(organization_id: int, row: Mapping[str, object]) -> dict[str, str]:
    return {k: opened_password(organization_id, k, str(v)) if k in _PASSWORDS else str(v)
            for k, v in row.items()}


async def _stored(organization_id: int) -> dict[str, str] | None:
    row = await fetch_one("SELECT db_role, db_password, redis_user, redis_password"
                          " FROM tenant_credential WHERE organization = $1", organization_id)
    if row is None:
        return None
    if _master() is not None and not all(
            str(row[k]).startswith(_envelope.SEALED_TEXT) for k in _PASSWORDS):
        await _seal_row(organization_id, row)  # stored before there was a master key
    return _opened(organization_id, row)


async def _seal_row(organization_id: int, row: Mapping[str, object]) -> None:
    clear = _opened(organization_id, row)
    await fetch("UPDATE tenant_credential SET db_password = $2, redis_password = $3"
                " WHERE organization = $1 AND db_password = $4 AND redis_password = $5",
                organization_id,
                *(sealed_password(organization_id, k, clear[k]) for k in _PASSWORDS),
                row["db_password"], row["redis_password"])


async def _create(conn: asyncpg.Connection, organization_id: int) -> dict[str, str]:
    role = await role_name(conn, organization_id)
    await conn.execute(
        "INSERT INTO tenant_credential (organization, db_role, db_password, redis_user,"
        " redis_password, created_at) VALUES ($1, $2, $3, $4, $5, now())"
        # Any conflict: a concurrent first deploy of the same organization may trip the unique
        # role name before the unique organization, and then its row is the one to use.
        " ON CONFLICT DO NOTHING",
        organization_id, role, sealed_password(organization_id, "db_password", new_password()),
        redis_user_name(role), sealed_password(organization_id, "redis_password", new_password()))
    row = await conn.fetchrow("SELECT db_role, db_password, redis_user, redis_password"
                              " FROM tenant_credential WHERE organization = $1", organization_id)
    assert row is not None
    return _opened(organization_id, dict(row))


async def ensure_worker_credentials(organization_id: int) -> WorkerCredentials:
    """The organization's worker credentials, creating its role and ACL user if needed and
    re-asserting their limits (idempotent; safe to call concurrently)."""
    from domain.redis_acl import ensure_acl_user

    settings = get_settings()
    conn = await asyncpg.connect(engine().config["dsn"])
    try:
        stored = await _stored(organization_id) or await _create(conn, organization_id)
        await ensure_role(conn, stored["db_role"], stored["db_password"],
                          settings.tenant_connection_limit)
    finally:
        await conn.close()
    await ensure_acl_user(settings.redis_url, organization_id, stored["redis_user"],
                          stored["redis_password"])
    return WorkerCredentials(
        organization_id=organization_id,
        database_url=with_login(settings.database_url, stored["db_role"], stored["db_password"]),
        redis_url=with_login(settings.redis_url, stored["redis_user"], stored["redis_password"]),
    )


async def restore_acl_users() -> int:
    """Declare again the organizations' Redis users that the server forgot (a Redis restarted
    without an ACL file); returns how many. Run periodically by the scheduler."""
    from domain.redis_acl import acl_users, ensure_acl_user

    rows = await fetch("SELECT organization, redis_user, redis_password FROM tenant_credential")
    if not rows:
        return 0
    redis_url = get_settings().redis_url
    present = await acl_users(redis_url)
    missing = [row for row in rows if row["redis_user"] not in present]
    for row in missing:
        org = int(row["organization"])
        await ensure_acl_user(redis_url, org, str(row["redis_user"]),
                              opened_password(org, "redis_password", str(row["redis_password"])))
    return len(missing)
