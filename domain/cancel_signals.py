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
from typing import Any

import asyncpg
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from domain._sql import fetch_one
from domain.dispatch import arq_pool
from domain.redis import redis_client
from domain.redis_acl import organization_prefix
from domain.settings import get_settings

# A watch waits this long for the subscription to be confirmed, then relies on the checks.
SUBSCRIBE_TIMEOUT = 5.0
RETRY_SECONDS = 1.0
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
    """One subscribing connection, many watchers (callbacks by execution id)."""

    def __init__(self, redis_url: str) -> None:
        self._url = redis_url
        self._client: aioredis.Redis | None = None
        self._pubsub: Any = None  # Any: redis-py's PubSub is untyped
        self._subscribing = asyncio.Lock()
        self._channels: dict[str, asyncio.Event] = {}  # set once the server confirmed
        self._watchers: dict[int, set[Callable[[], None]]] = {}
        self._announced: asyncio.Queue[int] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    async def watch(self, organization_id: int, execution_id: int,
                    callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` when a cancel of the execution is announced; returns the function
        that stops watching. Returns once the subscription is confirmed, so a hint published
        after that is delivered; without Redis, watching quietly degrades to the checks."""
        self._watchers.setdefault(execution_id, set()).add(callback)
        try:
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT):
                await self._subscribe(cancel_channel(organization_id))
        except (OSError, RedisError, TimeoutError) as error:
            log.warning("cannot subscribe to cancel requests: %r", error)
        return lambda: self._unwatch(execution_id, callback)

    def _unwatch(self, execution_id: int, callback: Callable[[], None]) -> None:
        watchers = self._watchers.get(execution_id)
        if watchers is not None:
            watchers.discard(callback)
            if not watchers:
                del self._watchers[execution_id]

    async def _subscribe(self, channel: str) -> None:
        async with self._subscribing:
            confirmed = self._channels.get(channel)
            if confirmed is None:
                if self._pubsub is None:
                    self._client = redis_client(self._url)
                    self._pubsub = self._client.pubsub()
                await self._pubsub.subscribe(channel)
                confirmed = self._channels[channel] = asyncio.Event()
                if not self._tasks:
                    # A context of its own: never a transaction of whoever watched first.
                    self._tasks = [asyncio.create_task(task, context=contextvars.Context())
                                   for task in (self._read_forever(), self._confirm_forever())]
        await confirmed.wait()

    async def _read_forever(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=None)
            except (OSError, RedisError) as error:
                # The next read reconnects, and redis-py subscribes the channels again.
                log.warning("lost the cancel subscription (%s); trying again", error)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if message is not None:
                self._received(message)

    def _received(self, message: dict[str, Any]) -> None:  # Any: redis-py's message dict
        channel = message["channel"]
        channel = channel.decode() if isinstance(channel, bytes) else str(channel)
        if message["type"] == "subscribe" and channel in self._channels:
            self._channels[channel].set()
        elif message["type"] == "message":
            payload = message["data"]
            if isinstance(payload, bytes) and payload.isdigit() and int(payload) in self._watchers:
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
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._pubsub is not None:
            await self._pubsub.aclose()
        if self._client is not None:
            await self._client.aclose()
        self._pubsub = self._client = None
        self._channels.clear()


_listeners: dict[asyncio.AbstractEventLoop, CancelListener] = {}


def listener() -> CancelListener:
    """This process's listener (one per event loop, on the configured Redis)."""
    loop = asyncio.get_running_loop()
    found = _listeners.get(loop)
    if found is None:
        found = _listeners[loop] = CancelListener(get_settings().redis_url)
    return found


async def close_listener() -> None:
    found = _listeners.pop(asyncio.get_running_loop(), None)
    if found is not None:
        await found.close()
