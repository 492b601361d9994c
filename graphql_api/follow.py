"""Following one event stream: the log after a position, then live events, in stream order
with nothing twice and nothing skipped.

The caller subscribes to the broker BEFORE reading anything (state or log), so every event
committed afterwards is either buffered or found in the log. A live event is taken when the
position before it (`Live.prev`) is at or before the cursor: nothing lies between. One at or
before the cursor was read already and is dropped; one after a gap (an announcement missed or
not loaded yet) or a resync request re-reads the log. A lagged subscriber ends with
`Lagged(cursor)`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass

from domain.event_log import LoggedEvent, Position, read_after
from graphql_api.broker import DATABASE_DOWN, Live, Signal, Subscriber


@dataclass(frozen=True)
class Lagged:
    """The client fell behind; it has everything up to `cursor` and resumes after it."""

    cursor: Position


async def log_after(stream: str, cursor: Position) -> AsyncGenerator[LoggedEvent, None]:
    """Every logged event after `cursor`, page by page; waits out a database outage."""
    backoff = 0.05
    while True:
        try:
            page = await read_after(stream, cursor)
        except DATABASE_DOWN:
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)
            continue
        for event in page:
            cursor = event.position
            yield event
        if not page:
            return


async def _one(event: LoggedEvent) -> AsyncGenerator[LoggedEvent, None]:
    yield event


async def _next_live(subscriber: Subscriber, cursor: Position) -> LoggedEvent | Signal:
    """The live event right after `cursor`; "resync" on a gap, "lagged" when it fell behind."""
    while True:
        item: Live | Signal = await subscriber.next()
        if isinstance(item, str):
            return item
        if item.event.position <= cursor:
            continue  # read from the log already
        if item.prev <= cursor:
            return item.event
        return "resync"  # an announcement was missed or not loaded yet: the log has it


async def follow(
    subscriber: Subscriber,
    after: Position,
    until: Callable[[LoggedEvent], bool] = lambda _event: False,
) -> AsyncGenerator[LoggedEvent | Lagged, None]:
    """Events of the subscriber's stream after `after`. After an event for which `until` is
    true, the events committed with it (and any before the final read) follow, then it ends."""
    cursor, stream = after, subscriber.stream
    await subscriber.ready()
    source = log_after(stream, cursor)
    while True:
        async for event in source:
            cursor = event.position
            yield event
            if until(event):
                async for rest in log_after(stream, cursor):
                    yield rest
                return
        item = await _next_live(subscriber, cursor)
        if item == "lagged":
            yield Lagged(cursor)
            return
        source = _one(item) if isinstance(item, LoggedEvent) else log_after(stream, cursor)
