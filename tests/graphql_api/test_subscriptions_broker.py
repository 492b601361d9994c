"""The broker fans committed events out through one listening connection; `follow` turns the log
plus live events into one gap-free, duplicate-free stream per subscriber."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from db.engine import engine
from domain.event_log import LoggedEvent
from domain.events import NewEvent, append, workflow_stream
from graphql_api.broker import Broker, Live, Signal
from graphql_api.follow import Lagged, follow
from tests.factory import Factory


@pytest.fixture
async def broker(database_url: str) -> AsyncIterator[Broker]:
    broker = Broker(database_url, queue_size=64, health_interval=0.5)
    await broker.start()
    await asyncio.wait_for(broker.connected.wait(), 10)
    yield broker
    await broker.stop()


async def _stream(factory: Factory) -> str:
    """A workflow's stream: one that `append` can write to."""
    org = await factory.org()
    return workflow_stream((await factory.workflow(org, await factory.user(org=org)))["id"])


async def _append(stream: str, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        async with engine().transaction():
            await append("workflow", int(stream.split(":")[1]), [NewEvent("log", {"i": i})])


async def _take(items: AsyncIterator[LoggedEvent | Lagged], n: int) -> list[Any]:
    got: list[Any] = []
    async for item in items:
        got.append(item.seq if isinstance(item, LoggedEvent) else item)
        if len(got) == n:
            break
    return got


async def test_follow_reads_the_log_then_live_events_in_order_without_rolled_back_ones(
    factory: Factory, broker: Broker
) -> None:
    s = await _stream(factory)
    await _append(s, 3)
    with broker.subscribe(s) as subscriber:
        reader = asyncio.create_task(_take(follow(subscriber, (1, 0)), 4))
        await asyncio.sleep(0.05)
        with pytest.raises(RuntimeError):
            async with engine().transaction():
                await append("workflow", int(s.split(":")[1]), [NewEvent("k", {})])
                raise RuntimeError("rolled back")
        await _append(s, 2)
        assert await asyncio.wait_for(reader, 10) == [2, 3, 4, 5]


async def test_concurrent_writers_of_one_stream_are_delivered_in_cursor_order(
    factory: Factory, broker: Broker
) -> None:
    c = await _stream(factory)
    with broker.subscribe(c) as subscriber:
        reader = asyncio.create_task(_take(follow(subscriber, (0, 0)), 40))
        await asyncio.gather(*(_append(c, 10) for _ in range(4)))
        assert await asyncio.wait_for(reader, 20) == list(range(1, 41))


async def test_a_slow_subscriber_is_told_it_lagged_while_a_fast_one_gets_everything(
    factory: Factory, broker: Broker
) -> None:
    stream = await _stream(factory)
    with broker.subscribe(stream) as slow, broker.subscribe(stream) as fast:
        fast_reader = asyncio.create_task(_take(follow(fast, (0, 0)), 100))
        # Nothing is appended before the slow follower has read the (empty) log and waits on
        # its live buffer: one that still reads the log would find the burst there and never
        # fall behind.
        live = asyncio.Event()
        wait_live = slow.next

        async def next_live() -> Live | Signal:
            live.set()
            return await wait_live()

        slow.next = next_live  # type: ignore[method-assign]
        items = follow(slow, (0, 0))
        first = asyncio.create_task(_take(items, 1))
        await asyncio.wait_for(live.wait(), 10)
        await _append(stream, 1)
        # The slow one has read its first event live, then stops reading.
        assert await asyncio.wait_for(first, 10) == [1]
        await _append(stream, 99, start=1)  # its buffer of 64 overflows
        assert await asyncio.wait_for(fast_reader, 20) == list(range(1, 101))
        assert slow.lagged
        assert await anext(items) == Lagged((1, 0))
        with pytest.raises(StopAsyncIteration):
            await anext(items)


async def test_follow_ends_after_the_final_event_and_what_was_committed_with_it(
    factory: Factory, broker: Broker
) -> None:
    t = await _stream(factory)
    with broker.subscribe(t) as subscriber:
        items = follow(subscriber, (0, 0), until=lambda e: e.payload.get("i") == 1)
        await _append(t, 3)
        got = [item.seq async for item in items if isinstance(item, LoggedEvent)]
        assert got == [1, 2, 3]


async def test_listener_reconnects_after_postgres_restarts_and_subscribers_catch_up(
    factory: Factory, broker: Broker, embedded: dict[str, object]
) -> None:
    server = embedded.get("pg")
    if server is None:
        pytest.skip("PostgreSQL comes from DATABASE_URL: the suite cannot restart it")
    r = await _stream(factory)
    with broker.subscribe(r) as subscriber:
        reader = asyncio.create_task(_take(follow(subscriber, (0, 0)), 4))
        await _append(r, 2)
        await asyncio.to_thread(server.restart)  # type: ignore[attr-defined]
        # Every pooled connection died with the server: the pool replaces them.
        pool = engine().pool
        assert pool is not None
        await pool.expire_connections()
        await _append(r, 2, start=2)
        assert await asyncio.wait_for(reader, 30) == [1, 2, 3, 4]
    await asyncio.wait_for(broker.connected.wait(), 10)
    assert broker.connections >= 2
