"""The per-process event fan-out: ONE listening PostgreSQL connection shared by every subscriber.

A NOTIFY names an event (domain.events) and arrives only once its transaction committed. The
broker ignores streams nobody here follows. Events of an entity's stream are loaded by id, in
one query per batch, and offered to its subscribers. A feed (`…:executions`) is read as the
log reads it, below the watermark (domain.event_log), once per batch for all its subscribers
here, from where the broker's last read of it ended (`_Tail`); an announced event the
watermark still holds back is polled for until it passes, and how long the oldest one waited
is the watermark lag (`flowplane_event_watermark_lag_seconds`). Each offer names the
position before it, so a follower can tell a gap from a repeat. Each subscriber has a bounded
buffer: one
that falls behind is marked lagged and receives nothing more (its reader tells the client,
which resumes from its cursor), so a slow client neither slows the others nor grows memory.

NOTIFY is at most once: when the listening connection drops (PostgreSQL restarts), the broker
reconnects with backoff and then asks every subscriber to re-read the log after its cursor.

The same connection listens for access announcements (`domain.access_changes`) and hands each
to the `AccessListener` (the process's live re-authorisation, `graphql_api.reauth`), in commit
order and before any event committed after it is loaded; after a reconnect the listener is
asked to re-check everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import asyncpg

from db.engine import engine
from domain.access_changes import ACCESS_CHANNEL
from domain.event_log import (
    PAGE,
    LoggedEvent,
    Position,
    announced,
    events_by_id,
    read_after,
    watermark,
)
from domain.events import CHANNEL, feed_of, parse_notification
from domain.settings import get_settings
from telemetry.metrics import FANOUT_LAG, WATERMARK_LAG

log = logging.getLogger(__name__)

Signal = Literal["lagged", "resync"]
# Errors that mean "the database is not reachable right now" (retry later, never crash).
DATABASE_DOWN: tuple[type[BaseException], ...] = (
    OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError,
)


class AccessListener(Protocol):
    def announced(self, payload: str) -> None: ...

    def resync(self) -> None: ...


@dataclass(frozen=True)
class Live:
    """An event offered live, with the position of the event before it in the stream (no
    event of the stream lies between the two)."""

    event: LoggedEvent
    prev: Position


class Subscriber:
    """One subscription's bounded buffer of events of one stream."""

    def __init__(self, stream: str, limit: int, ready: asyncio.Event | None = None) -> None:
        self.stream = stream
        self.limit = limit
        self.lagged = False
        self._items: deque[Live] = deque()
        self._resync = False
        self._wake = asyncio.Event()
        self._ready = ready

    async def ready(self) -> None:
        """Return once every event committed from now on will be offered (a feed waits for
        the broker's first read position); read the log only after this."""
        if self._ready is not None:
            await self._ready.wait()

    def offer(self, item: Live) -> None:
        if self.lagged:
            return
        if len(self._items) >= self.limit:
            self.lagged = True
            self._items.clear()
        else:
            self._items.append(item)
        self._wake.set()

    def request_resync(self) -> None:
        self._resync = True
        self._wake.set()

    async def next(self) -> Live | Signal:
        """The next buffered event, or "lagged" (fell behind: stop), or "resync" (announcements
        may have been missed: re-read the log after the last cursor)."""
        while True:
            if self.lagged:
                return "lagged"
            if self._resync:
                self._resync = False
                return "resync"
            if self._items:
                return self._items.popleft()
            self._wake.clear()
            await self._wake.wait()


@dataclass
class _Tail:
    """The broker's read of one feed: where it ended (None until the first read), and the
    announced events it has not read yet: event id → (its feed key, when announced)."""

    ready: asyncio.Event = field(default_factory=asyncio.Event)
    position: Position | None = None
    held: dict[int, tuple[int, float]] = field(default_factory=dict)
    dirty: bool = True


class Broker:
    def __init__(
        self,
        dsn: str,
        *,
        queue_size: int = 256,
        max_backoff: float = 5.0,
        health_interval: float = 5.0,
        max_pending: int = 10_000,
        max_poll: float = 0.5,
    ) -> None:
        self.dsn = dsn
        self.queue_size = queue_size
        self.max_backoff = max_backoff
        self.health_interval = health_interval
        self.max_pending = max_pending
        self.max_poll = max_poll  # the longest wait between reads of a held-back feed
        self.connected = asyncio.Event()
        self.connections = 0  # how many times the listener (re)connected
        self._streams: dict[str, set[Subscriber]] = defaultdict(set)
        self._pending: list[int] = []
        self._tails: dict[str, _Tail] = {}
        self._overflowed = False
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.access: AccessListener | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen_forever(), name="broker-listen"),
            asyncio.create_task(self._dispatch_forever(), name="broker-dispatch"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    # -- subscribers -----------------------------------------------------------------------
    @contextlib.contextmanager
    def subscribe(self, stream: str) -> Iterator[Subscriber]:
        ready = None
        if feed_of(stream) is not None:
            tail = self._tails.get(stream)
            if tail is None:
                tail = self._tails[stream] = _Tail()
                self._wake.set()
            ready = tail.ready
        subscriber = Subscriber(stream, self.queue_size, ready)
        self._streams[stream].add(subscriber)
        try:
            yield subscriber
        finally:
            followers = self._streams.get(stream)
            if followers is not None:
                followers.discard(subscriber)
                if not followers:
                    del self._streams[stream]
                    self._tails.pop(stream, None)

    def subscriber_count(self) -> int:
        return sum(len(followers) for followers in self._streams.values())

    def _resync_all(self) -> None:
        for tail in self._tails.values():
            tail.dirty = True
        self._wake.set()
        for followers in self._streams.values():
            for subscriber in followers:
                subscriber.request_resync()

    # -- listening -------------------------------------------------------------------------
    async def _listen_forever(self) -> None:
        backoff = 0.05
        while True:
            try:
                await self._listen_once()
                backoff = 0.05
            except DATABASE_DOWN as error:
                log.warning("event listener lost PostgreSQL (%s); retrying in %.2fs",
                            error, backoff)
            self.connected.clear()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff)

    async def _listen_once(self) -> None:
        conn = await asyncpg.connect(self.dsn, timeout=self.health_interval)
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(CHANNEL, self._on_notify)
            await conn.add_listener(ACCESS_CHANNEL, self._on_access)
            self.connections += 1
            self.connected.set()
            self._resync_all()  # announcements made while we were not listening are lost
            if self.access is not None:
                self.access.resync()
            await self._watch(conn, lost)
        finally:
            conn.terminate()

    async def _watch(self, conn: Any, lost: asyncio.Event) -> None:
        """Return when the connection is gone (closed by the server, or not answering)."""
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), self.health_interval)
                return
            await asyncio.wait_for(conn.fetchval("SELECT 1"), self.health_interval)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        # Any role may NOTIFY: the payload only names an event id, which is re-read from the
        # event table and delivered to the stream the row says (never the payload's).
        try:
            ref = parse_notification(payload)
        except ValueError:
            return
        for feed in ref.feeds:
            tail = self._tails.get(feed)
            if tail is not None:
                tail.dirty = True
                tail.held.setdefault(ref.id, (ref.ftx, time.monotonic()))
                self._wake.set()
        if ref.stream not in self._streams:
            return
        if len(self._pending) >= self.max_pending:
            self._overflowed = True
        else:
            self._pending.append(ref.id)
        self._wake.set()

    def _on_access(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        if self.access is not None:
            self.access.announced(payload)

    # -- fan-out ---------------------------------------------------------------------------
    async def _dispatch_forever(self) -> None:
        poll = 0.005
        while True:
            held = any(tail.held for tail in self._tails.values())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll if held else None)
            poll = min(poll * 2, self.max_poll) if held else 0.005
            self._wake.clear()
            ids, self._pending = self._pending, []
            if self._overflowed:
                self._overflowed = False
                self._resync_all()
            try:
                events = await events_by_id(ids)
                self._fan_out(events)
                await self._read_feeds()
            except DATABASE_DOWN as error:
                log.warning("could not load announced events (%s); subscribers re-read", error)
                self._resync_all()

    def _fan_out(self, events: list[LoggedEvent]) -> None:
        now = time.time()
        for event in sorted(events, key=lambda e: (e.stream, e.seq)):
            FANOUT_LAG.observe(max(0.0, now - event.created_at.timestamp()))
            live = Live(event, (event.seq - 1, 0))
            for subscriber in list(self._streams.get(event.stream, ())):
                subscriber.offer(live)

    async def _read_feeds(self) -> None:
        """Read every feed announced to (or still held back) from where its last read ended,
        and offer what is below the watermark to its subscribers."""
        for stream, tail in list(self._tails.items()):
            if not (tail.dirty or tail.held or tail.position is None):
                continue
            tail.dirty = False
            if tail.position is None:
                tail.position = await watermark()
                tail.ready.set()
            # Announced events whose feed key is below this watermark are readable now.
            passed = (await watermark())[0] if tail.held else 0
            while True:
                page = await read_after(stream, tail.position)
                now = time.time()
                for event in page:
                    FANOUT_LAG.observe(max(0.0, now - event.created_at.timestamp()))
                    live, tail.position = Live(event, tail.position), event.position
                    for subscriber in list(self._streams.get(stream, ())):
                        subscriber.offer(live)
                if len(page) < PAGE:
                    break
            waiting = {i: h for i, h in tail.held.items() if h[0] >= passed}
            if waiting:  # any role may NOTIFY: keep waiting only for events that exist
                real = await announced(list(waiting), [ftx for ftx, _ in waiting.values()])
                waiting = {i: h for i, h in waiting.items() if i in real}
            tail.held = waiting
        oldest = min((at for t in self._tails.values() for _, at in t.held.values()),
                     default=None)
        WATERMARK_LAG.set(0.0 if oldest is None else time.monotonic() - oldest)


def create_broker() -> Broker:
    """The broker of this process, on the configured database (not started)."""
    return Broker(str(engine().config["dsn"]), queue_size=get_settings().subscriber_queue_size)
