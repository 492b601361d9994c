"""Cancel requests reach the worker running the execution as they commit.

`cancel_execution` NOTIFYs the execution id in its own transaction, so the announcement goes
out exactly when the request is committed. Each worker process keeps one listening connection
(opened on first use) and calls back whoever watches that id, which stops the running node at
once. A notification can be missed (the listening connection dropped): the worker still sees
the request in the row at its next write, at the latest at the next node boundary, and its
end is written as cancelled whatever the run returned.

Any role that can connect may NOTIFY this channel (an organization's worker too), so an
announcement is only a hint: the listener re-reads `cancel_requested` of the execution, with
its own credentials, before it stops anything. Hints are confirmed one at a time, in order.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable

import asyncpg

from db.engine import engine
from domain._sql import fetch, fetch_one

CHANNEL = "flowplane_cancel"
log = logging.getLogger(__name__)


async def announce_cancel(execution_id: int) -> None:
    """Announce the request on commit; call inside the transaction that records it."""
    await fetch("SELECT pg_notify($1, $2)", CHANNEL, str(execution_id))


class CancelListener:
    """One listening connection, many watchers (callbacks by execution id)."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._connection: asyncpg.Connection | None = None
        self._connecting = asyncio.Lock()
        self._watchers: dict[int, set[Callable[[], None]]] = {}
        self._announced: asyncio.Queue[int] = asyncio.Queue()
        self._confirmer: asyncio.Task[None] | None = None

    async def watch(self, execution_id: int, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` when a cancel of the execution is announced; returns the function
        that stops watching. Without a listening connection, watching quietly degrades to
        the checks at every write."""
        self._watchers.setdefault(execution_id, set()).add(callback)
        try:
            await self._connect()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("cannot listen for cancel requests: %s", error)
        return lambda: self._unwatch(execution_id, callback)

    def _unwatch(self, execution_id: int, callback: Callable[[], None]) -> None:
        watchers = self._watchers.get(execution_id)
        if watchers is not None:
            watchers.discard(callback)
            if not watchers:
                del self._watchers[execution_id]

    async def _connect(self) -> None:
        async with self._connecting:
            if self._connection is not None and not self._connection.is_closed():
                return
            connection = await asyncpg.connect(self._dsn)
            await connection.add_listener(CHANNEL, self._notified)
            self._connection = connection
            if self._confirmer is None or self._confirmer.done():
                # A context of its own: never a transaction of whoever watched first.
                self._confirmer = asyncio.create_task(self._confirm_forever(),
                                                      context=contextvars.Context())

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        if payload.isascii() and payload.isdigit() and int(payload) in self._watchers:
            self._announced.put_nowait(int(payload))

    async def _confirm_forever(self) -> None:
        while True:
            execution_id = await self._announced.get()
            try:
                row = await fetch_one("SELECT cancel_requested FROM execution WHERE id = $1",
                                      execution_id)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                # A real request is still seen by the run at its next write.
                log.warning("cannot confirm the cancel of execution %s: %s", execution_id, error)
                continue
            if row is not None and row["cancel_requested"]:
                for callback in list(self._watchers.get(execution_id, ())):
                    callback()

    async def close(self) -> None:
        if self._confirmer is not None:
            self._confirmer.cancel()
            self._confirmer = None
        if self._connection is not None and not self._connection.is_closed():
            await self._connection.close()
        self._connection = None


_listeners: dict[asyncio.AbstractEventLoop, CancelListener] = {}


def listener() -> CancelListener:
    """This process's listener (one per event loop, on the configured database)."""
    loop = asyncio.get_running_loop()
    found = _listeners.get(loop)
    if found is None:
        found = _listeners[loop] = CancelListener(engine().config["dsn"])
    return found


async def close_listener() -> None:
    found = _listeners.pop(asyncio.get_running_loop(), None)
    if found is not None:
        await found.close()
