"""The database engine: connection pool, migrations, and a test helper to empty every table."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.engine.postgres import PostgresEngine

from db.row_security import apply_row_security
from db.tables import TABLES

T = TypeVar("T")


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


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]  # asyncpg is untyped
    """A pooled connection that remembers when a statement on it did not finish normally.

    asyncpg prepares a statement with Parse, Describe and Flush, no Sync: until the Bind,
    Execute and Sync that follow, the server holds the implicit transaction of that statement
    open, with its tables' locks. A task cancelled in between (a websocket closing while its
    subscription queries) leaves the connection like that, and asyncpg still believes it is
    idle. The pool's reset (`keep_session`) then ends that transaction before anyone else gets
    the connection; it only needs to when a statement was interrupted, which is what this
    class records."""

    interrupted = False

    async def execute(self, query: str, *args: Any, **kwargs: Any) -> str:
        return await _noting(self, super().execute(query, *args, **kwargs))

    async def executemany(self, command: str, args: Any, **kwargs: Any) -> None:
        return await _noting(self, super().executemany(command, args, **kwargs))

    async def fetch(self, query: str, *args: Any, **kwargs: Any) -> list[asyncpg.Record]:
        return await _noting(self, super().fetch(query, *args, **kwargs))

    async def fetchrow(self, query: str, *args: Any, **kwargs: Any) -> asyncpg.Record | None:
        return await _noting(self, super().fetchrow(query, *args, **kwargs))

    async def fetchval(self, query: str, *args: Any, **kwargs: Any) -> Any:
        return await _noting(self, super().fetchval(query, *args, **kwargs))

    async def fetchmany(self, query: str, args: Any, **kwargs: Any) -> list[asyncpg.Record]:
        return await _noting(self, super().fetchmany(query, args, **kwargs))


async def _noting(connection: PooledConnection, statement: Awaitable[T]) -> T:
    try:
        return await statement
    except BaseException:
        connection.interrupted = True
        raise


async def keep_session(connection: asyncpg.Connection) -> None:
    """The pools' reset of a released connection: nothing beyond what asyncpg always does
    first (roll back a transaction left open, drop listeners), unless a statement was
    interrupted (see `PooledConnection`). Its default reset runs `pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL` on every release, one round trip and one more
    transaction each time (about 4 per execution). None of that state is ever left on a pooled
    connection: session locks, LISTEN and `SET` live on connections of their own (sync.lock,
    the listeners, migrations), never a pooled one. After an interruption it does run: a
    simple query ends whatever implicit transaction the server still holds."""
    if getattr(connection, "interrupted", False):
        connection.interrupted = False
        await connection.reset()


# What a server that is down or restarting answers a new connection: refused or reset, the
# connection closed mid-handshake (ConnectionDoesNotExistError, a PostgresConnectionError), or
# "the database system is starting up / shutting down" (CannotConnectNowError, 57P03).
UNREACHABLE = (TimeoutError, OSError, asyncpg.PostgresConnectionError,
               asyncpg.OperatorInterventionError)
log = logging.getLogger(__name__)


async def start_pool(max_size: int = 10, wait: float = 0.0) -> None:
    """Open the pool, trying again for `wait` seconds while the server is unreachable (a
    process started while PostgreSQL restarts); then the last UNREACHABLE error is raised."""
    deadline = time.monotonic() + wait
    while True:
        try:
            await engine().start_connection_pool(
                min_size=1, max_size=max_size, reset=keep_session,
                connection_class=PooledConnection)
            return
        except UNREACHABLE as error:
            if time.monotonic() >= deadline:
                raise
            log.warning("cannot reach PostgreSQL (%s); trying again", str(error) or
                        type(error).__name__)
            await asyncio.sleep(1.0)


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
                engine().config["dsn"], min_size=1, max_size=2, reset=keep_session,
                connection_class=PooledConnection)
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


class TruncateBlocked(RuntimeError):
    """`truncate_all` waited its limit for the tables' locks; the message names the sessions
    of this database that were in a transaction then (what held the locks)."""


async def truncate_all(lock_wait_seconds: int = 60) -> None:
    """Empty every table (tests). TRUNCATE waits for every transaction that touched a table,
    in any process on the database: rather than hang on one left open, give up after
    `lock_wait_seconds` and say which sessions held it up."""
    names = ", ".join(table._meta.tablename for table in TABLES)
    pool = engine().pool
    assert pool is not None, "truncate_all needs the pool (db.engine.start_pool)"
    async with pool.acquire() as connection:
        pid = connection.get_server_pid()
        watcher = asyncio.create_task(_blockers_after(pool, pid, min(5, lock_wait_seconds / 2)))
        try:
            async with connection.transaction():
                await connection.execute(f"SET LOCAL lock_timeout = '{lock_wait_seconds}s'")
                await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        except asyncpg.LockNotAvailableError:
            raise TruncateBlocked(
                f"TRUNCATE waited {lock_wait_seconds} s for table locks; {await watcher}"
            ) from None
        finally:
            watcher.cancel()


async def _blockers_after(pool: asyncpg.Pool, pid: int, delay: float) -> str:
    """What blocks backend `pid` after `delay` seconds: each blocking session and the locks
    it holds or waits for."""
    await asyncio.sleep(delay)
    rows = await pool.fetch(
        "SELECT a.pid, a.application_name, a.state, a.wait_event_type, a.wait_event,"
        " now() - a.xact_start AS open_for, left(a.query, 300) AS query,"
        " (SELECT string_agg(l.relation::regclass || ' ' || l.mode"
        "   || CASE WHEN l.granted THEN '' ELSE ' (waiting)' END, ', ')"
        "  FROM pg_locks l WHERE l.pid = a.pid AND l.relation IS NOT NULL) AS locks"
        " FROM pg_stat_activity a WHERE a.pid = ANY(pg_blocking_pids($1))", pid)
    return "blocked by: " + ("; ".join(
        f"pid {row['pid']} ({row['application_name'] or 'no name'}) {row['state']}"
        f" waiting on {row['wait_event_type']}/{row['wait_event']} for {row['open_for']},"
        f" locks [{row['locks']}], query {row['query']!r}" for row in rows) or "nothing")
