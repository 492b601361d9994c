"""One sync daemon per repository: a PostgreSQL session advisory lock on its own connection.

The lock lives as long as the connection: a daemon killed with SIGKILL loses it as soon as
PostgreSQL sees the socket close, and a standby daemon takes over on its next try.
"""

from __future__ import annotations

import hashlib

import asyncpg


def lock_key(organization: str, repo: str) -> int:
    """A stable signed 64-bit key for (organization, repository)."""
    digest = hashlib.sha256(f"flowplane-sync\0{organization}\0{repo}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class RepositoryLock:
    def __init__(self, dsn: str, organization: str, repo: str) -> None:
        self.dsn = dsn
        self.key = lock_key(organization, repo)
        self._conn: asyncpg.Connection | None = None

    async def acquire(self) -> bool:
        """True when this process holds the lock (now or already); never waits."""
        if self._conn is not None and await self._alive():
            return True
        await self.release()
        self._conn = await asyncpg.connect(self.dsn)
        held = bool(await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key))
        if not held:
            await self.release()
        return held

    async def _alive(self) -> bool:
        assert self._conn is not None
        try:
            await self._conn.fetchval("SELECT 1")
        except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
            return False
        return True

    async def release(self) -> None:
        """Close the connection, which drops the lock with it."""
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            await conn.close()
