"""The database engine: connection pool, migrations, and a test helper to empty every table."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
from dataclasses import dataclass

import asyncpg
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.engine.postgres import PostgresEngine

from db.row_security import apply_row_security
from db.tables import TABLES


def configure(url: str) -> PostgresEngine:
    """Point every table at the database `url` (before the first query of the process)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("PICCOLO_CONF", "db.piccolo_conf")
    from db import piccolo_conf

    piccolo_conf.DB.config = {"dsn": url}
    for table in TABLES:
        table._meta.db = piccolo_conf.DB
    return piccolo_conf.DB


def engine() -> PostgresEngine:
    from db import piccolo_conf

    return piccolo_conf.DB


async def keep_session(_connection: asyncpg.Connection) -> None:
    """The pools' reset of a released connection: nothing beyond what asyncpg always does
    first (roll back a transaction left open, drop listeners). Its default reset runs
    `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on every release, one round
    trip and one more transaction each time (about 4 per execution). None of that state is
    ever left on a pooled connection: session locks, LISTEN and `SET` live on connections
    of their own (sync.lock, the listeners, migrations), never a pooled one."""


async def start_pool(max_size: int = 10) -> None:
    await engine().start_connection_pool(min_size=1, max_size=max_size, reset=keep_session)


async def close_pool() -> None:
    global _side_pool
    if engine().pool is not None:
        await engine().close_connection_pool()
    if _side_pool is not None:
        await _side_pool.close()
        _side_pool = None


_side_pool: asyncpg.Pool | None = None
_side_pool_lock = asyncio.Lock()


async def side_pool() -> asyncpg.Pool:
    """Two connections apart from the main pool, for small writes that must not wait behind
    the work holding every main connection (a worker's lease heartbeats: with 50 jobs on a
    10-connection pool, renewals queued until leases expired and work was re-dispatched)."""
    global _side_pool
    async with _side_pool_lock:
        if _side_pool is None:
            _side_pool = await asyncpg.create_pool(
                engine().config["dsn"], min_size=1, max_size=2, reset=keep_session
            )
    return _side_pool


MIGRATION_LOCK = 0x466C6F77  # "Flow": serialises concurrent migrators (API replicas, the Job)


@dataclass(frozen=True)
class MigrationSummary:
    applied: tuple[str, ...]  # the migrations this call ran, oldest first
    total: int  # migrations recorded as run, including those

    def __str__(self) -> str:
        if not self.applied:
            return f"database schema is up to date ({self.total} migrations)"
        return f"applied {len(self.applied)} migration(s); database schema is up to date " \
               f"({self.total} migrations)"


async def _migrations_run() -> set[str]:
    from piccolo.apps.migrations.tables import Migration

    if not await Migration.table_exists():
        return set()
    return set(await Migration.get_migrations_which_ran(app_name="flowplane"))


async def migrate() -> MigrationSummary:
    """Apply every pending migration of the `flowplane` app (idempotent, one migrator at once).
    Piccolo's own progress lines are swallowed (they miscount: "3 already complete" on an
    empty database); the summary says what happened instead."""
    os.environ.setdefault("PICCOLO_CONF", "db.piccolo_conf")
    lock = await asyncpg.connect(engine().config["dsn"])
    try:
        await lock.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        before = await _migrations_run()
        with contextlib.redirect_stdout(io.StringIO()):
            response = await run_forwards(app_name="flowplane", migration_id="all", fake=False)
        if not response.success:
            raise RuntimeError(f"migrations failed: {response.message}")
        after = await _migrations_run()
        await apply_row_security(lock)
    finally:
        await lock.close()
    return MigrationSummary(tuple(sorted(after - before)), len(after))


async def truncate_all() -> None:
    names = ", ".join(table._meta.tablename for table in TABLES)
    await engine().run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
