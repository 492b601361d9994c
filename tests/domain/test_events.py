"""Events are appended in the writer's transaction, announced on commit, ordered per stream."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from db.engine import engine
from db.tables import Event
from domain.events import CHANNEL, append_event, parse_notification
from tests.factory import Factory


async def _listen(database_url: str) -> tuple[asyncpg.Connection, asyncio.Queue[str]]:
    received: asyncio.Queue[str] = asyncio.Queue()
    conn = await asyncpg.connect(database_url)
    await conn.add_listener(CHANNEL, lambda *args: received.put_nowait(args[3]))
    return conn, received


async def test_event_is_announced_only_when_its_transaction_commits(
    factory: Factory, database_url: str
) -> None:
    org = await factory.org()
    listener, received = await _listen(database_url)
    try:
        with pytest.raises(RuntimeError):
            async with engine().transaction():
                await append_event(organization_id=org["id"], stream="s", kind="k", payload={})
                raise RuntimeError("rolled back")
        async with engine().transaction():
            ref = await append_event(
                organization_id=org["id"], stream="s", kind="k", payload={"a": 1}
            )
        note = parse_notification(await asyncio.wait_for(received.get(), 5))
        assert received.empty()
    finally:
        await listener.close()
    assert (note.stream, note.seq, note.id) == ("s", ref.seq, ref.id)
    rows = await Event.select(Event.seq, Event.payload)
    assert [row["seq"] for row in rows] == [ref.seq]


async def test_concurrent_writers_of_a_stream_commit_cursors_in_order(
    factory: Factory, database_url: str
) -> None:
    """The second writer waits for the first: cursor 2 cannot be visible before cursor 1."""
    org = await factory.org()
    first_appended, release_first = asyncio.Event(), asyncio.Event()
    order: list[int] = []

    async def first() -> None:
        async with engine().transaction():
            ref = await append_event(organization_id=org["id"], stream="x", kind="k", payload={})
            first_appended.set()
            await release_first.wait()
            order.append(ref.seq)

    async def second() -> Any:
        await first_appended.wait()
        async with engine().transaction():
            ref = await append_event(organization_id=org["id"], stream="x", kind="k", payload={})
            order.append(ref.seq)

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await asyncio.sleep(0.2)
    assert order == []  # the second writer is blocked on the stream's cursor row
    release_first.set()
    await asyncio.gather(*tasks)
    assert order == [1, 2]


async def test_streams_count_independently(factory: Factory) -> None:
    org = await factory.org()
    seqs = [
        (await append_event(organization_id=org["id"], stream=s, kind="k", payload={})).seq
        for s in ("a", "b", "a")
    ]
    assert seqs == [1, 1, 2]
