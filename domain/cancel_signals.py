"""Cancel requests reach the worker running the execution as they commit, over Redis.

`cancel_execution` records the request in PostgreSQL, the source of truth, and once that
transaction has committed publishes the execution id on its organization's channel
(`flowplane:org:<id>:cancel`, which that organization's workers' Redis user may subscribe
to, `domain.redis_acl`). Each worker process keeps one subscribing connection and calls back
whoever watches that id, which stops the running node at once. A hint can be missed (Redis
away, the subscriber reconnecting, the publish failing): the worker still sees the request in
the row at its next write, at the latest at the next node boundary or lease heartbeat, and
its end is written as cancelled whatever the run returned.

Why not LISTEN/NOTIFY (the earlier design): PostgreSQL wakes every listening backend of the
database on every commit that NOTIFYs, and each reads the notification queue in a transaction
of its own, so a worker's listener cost ~2 read-only commits per execution (bench/README.md).

Whoever may publish on the channel (the platform; nobody else is granted PUBLISH) could still
send a stray id, so a hint is only a hint: the listener re-reads `cancel_requested` of the
execution, with its own credentials, before it stops anything. Hints are confirmed one at a
time, in order.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable

import asyncpg
from redis.exceptions import RedisError

from domain._sql import fetch_one
from domain.dispatch import arq_pool
from domain.hints import Hints, close_hints, hints
from domain.redis_acl import organization_prefix

# A watch waits this long for the subscription to be confirmed, then relies on the checks.
SUBSCRIBE_TIMEOUT = 5.0
GIVE_UP_SECONDS = 60.0
log = logging.getLogger(__name__)


def cancel_channel(organization_id: int) -> str:
    return f"{organization_prefix(organization_id)}cancel"


async def announce_cancel(organization_id: int, execution_id: int, *,
                          redis_url: str | None = None) -> None:
    """Publish the hint; call after the transaction recording the request has committed.
    Best effort: a failure is logged, and the run sees the request at its next check."""
    try:
        pool = await arq_pool(redis_url)
        await pool.publish(cancel_channel(organization_id), str(execution_id))
    except (OSError, RedisError) as error:
        log.warning("could not announce the cancel of execution %s: %s", execution_id, error)


class CancelListener:
    """Many watchers (callbacks by execution id) on the process's hint subscriptions."""

    def __init__(self, subscriptions: Hints) -> None:
        self._hints = subscriptions
        self._owned = False
        self._watchers: dict[int, set[Callable[[], None]]] = {}
        self._announced: asyncio.Queue[int] = asyncio.Queue()
        self._confirmer: asyncio.Task[None] | None = None
        self._given_up: dict[str, float] = {}  # channel: loop time to try again at

    @classmethod
    def on(cls, redis_url: str) -> CancelListener:
        """A listener with a subscribing connection of its own (closed with it)."""
        found = cls(Hints(redis_url))
        found._owned = True
        return found

    async def watch(self, organization_id: int, execution_id: int,
                    callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` when a cancel of the execution is announced; returns the function
        that stops watching. Returns once the subscription is confirmed, so a hint published
        after that is delivered; without Redis, watching quietly degrades to the checks."""
        self._watchers.setdefault(execution_id, set()).add(callback)
        if self._confirmer is None:
            # A context of its own: never a transaction of whoever watched first.
            self._confirmer = asyncio.create_task(self._confirm_forever(),
                                                  context=contextvars.Context())
        channel, now = cancel_channel(organization_id), asyncio.get_running_loop().time()
        if self._given_up.get(channel, 0.0) <= now:
            try:
                async with asyncio.timeout(SUBSCRIBE_TIMEOUT):
                    await self._hints.subscribe(channel, self._hinted)
            except (OSError, RedisError, TimeoutError) as error:
                # Redis away or refusing (an ACL user of an older version): the runs of the
                # next minute do not wait for it again.
                log.warning("cannot subscribe to cancel requests: %r", error)
                self._given_up[channel] = now + GIVE_UP_SECONDS
        return lambda: self._unwatch(execution_id, callback)

    def _unwatch(self, execution_id: int, callback: Callable[[], None]) -> None:
        watchers = self._watchers.get(execution_id)
        if watchers is not None:
            watchers.discard(callback)
            if not watchers:
                del self._watchers[execution_id]

    def _hinted(self, payload: bytes) -> None:
        if payload.isdigit() and int(payload) in self._watchers:
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
            await asyncio.gather(self._confirmer, return_exceptions=True)
            self._confirmer = None
        if self._owned:
            await self._hints.close()


_listeners: dict[asyncio.AbstractEventLoop, CancelListener] = {}


def listener() -> CancelListener:
    """This process's listener (one per event loop, on the process's hint subscriptions)."""
    loop = asyncio.get_running_loop()
    found = _listeners.get(loop)
    if found is None:
        found = _listeners[loop] = CancelListener(hints())
    return found


async def close_listener() -> None:
    """Close this process's listener and its hint subscriptions."""
    found = _listeners.pop(asyncio.get_running_loop(), None)
    if found is not None:
        await found.close()
    await close_hints()
