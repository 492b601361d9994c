"""Hints over Redis pub/sub: one subscribing connection per process, callbacks per channel.

A hint only says "look now": what it is about is always read again from where it lives
(PostgreSQL for cancel requests, the queue for new jobs), and whoever waits for one also
looks at a regular interval, so a hint lost with the connection only costs that interval.
Subscribing returns once the server confirmed the subscription: a hint published after that
is delivered. Used by `domain.cancel_signals` and the worker's wake-ups (`engine.worker`).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError, ResponseError

from domain.redis import redis_client
from domain.settings import get_settings

RETRY_SECONDS = 1.0
log = logging.getLogger(__name__)
Handler = Callable[[bytes], None]


class Hints:
    """The process's subscriptions on one Redis server."""

    def __init__(self, redis_url: str) -> None:
        self._url = redis_url
        self._pubsub: Any = None  # Any: redis-py's PubSub is untyped
        self._subscribing = asyncio.Lock()
        self._confirmed: dict[str, asyncio.Future[None]] = {}
        self._handlers: dict[str, list[Handler]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def subscribe(self, channel: str, handler: Handler) -> None:
        """Call `handler` with the payload of every hint on `channel` (once per handler;
        raises RedisError/OSError when Redis refuses or is away; bound it with a timeout)."""
        async with self._subscribing:
            confirmed = self._confirmed.get(channel)
            if confirmed is None:
                if self._pubsub is None:
                    self._pubsub = redis_client(self._url).pubsub()
                await self._pubsub.subscribe(channel)
                confirmed = self._confirmed[channel] = asyncio.get_running_loop().create_future()
                if self._reader is None:
                    # A context of its own: never a transaction of whoever subscribed first.
                    self._reader = asyncio.create_task(self._read_forever(),
                                                       context=contextvars.Context())
            handlers = self._handlers.setdefault(channel, [])
            if handler not in handlers:
                handlers.append(handler)
        await asyncio.shield(confirmed)

    async def _read_forever(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=None)
            except ResponseError as error:  # a refused SUBSCRIBE (ACL): fail whoever waits
                self._refused(error)
                continue
            except (OSError, RedisError) as error:
                # The next read reconnects, and redis-py subscribes the channels again.
                log.warning("lost the hint subscriptions (%s); trying again", error)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if message is not None:
                self._received(message)

    def _refused(self, error: ResponseError) -> None:
        log.warning("a hint subscription was refused: %s", error)
        for channel, confirmed in list(self._confirmed.items()):
            if not confirmed.done():
                confirmed.set_exception(error)
                del self._confirmed[channel]
                self._pubsub.channels.pop(channel.encode(), None)  # not again on reconnect

    def _received(self, message: dict[str, Any]) -> None:  # Any: redis-py's message dict
        channel = message["channel"]
        channel = channel.decode() if isinstance(channel, bytes) else str(channel)
        confirmed = self._confirmed.get(channel)
        if message["type"] == "subscribe" and confirmed is not None and not confirmed.done():
            confirmed.set_result(None)
        elif message["type"] == "message" and isinstance(message["data"], bytes):
            for handler in list(self._handlers.get(channel, ())):
                handler(message["data"])

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None
        if self._pubsub is not None:
            await self._pubsub.aclose()
            await self._pubsub.connection_pool.disconnect()
            self._pubsub = None
        self._confirmed.clear()
        self._handlers.clear()


_hints: dict[asyncio.AbstractEventLoop, Hints] = {}


def hints() -> Hints:
    """This process's subscriptions (one connection per event loop, on the configured Redis)."""
    loop = asyncio.get_running_loop()
    found = _hints.get(loop)
    if found is None:
        found = _hints[loop] = Hints(get_settings().redis_url)
    return found


async def close_hints() -> None:
    found = _hints.pop(asyncio.get_running_loop(), None)
    if found is not None:
        await found.close()
