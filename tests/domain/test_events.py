"""Events are appended in the writer's transaction, announced on commit, ordered per stream;
writers of different executions of one workflow never wait for each other."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from db.engine import engine
from db.tables import Event
from domain._sql import fetch_one
from domain.events import (
    CHANNEL,
    NewEvent,
    append,
    append_each,
    environment_stream,
    organization_executions_stream,
    parse_notification,
    workflow_executions_stream,
    workflow_stream,
)
from domain.recording import NewExecution, StatusChange, create, record
from tests.factory import Factory


async def _listen(database_url: str) -> tuple[asyncpg.Connection, asyncio.Queue[str]]:
    received: asyncio.Queue[str] = asyncio.Queue()
    conn = await asyncpg.connect(database_url)
    await conn.add_listener(CHANNEL, lambda *args: received.put_nowait(args[3]))
    return conn, received


async def _workflow(factory: Factory) -> dict[str, Any]:
    org = await factory.org()
    return await factory.workflow(org, await factory.user(org=org))


async def _execution(wf: dict[str, Any]) -> int:
    created = await create(NewExecution(
        organization_id=wf["organization"], workflow_id=wf["id"], trigger_type="manual",
        triggered_by=None, input={}, workflow_version=1, definition={}, max_attempts=1,
        queue_name="q"))
    return int(created.execution.id)


async def test_event_is_announced_only_when_its_transaction_commits(
    factory: Factory, database_url: str
) -> None:
    wf = await _workflow(factory)
    listener, received = await _listen(database_url)
    try:
        with pytest.raises(RuntimeError):
            async with engine().transaction():
                await append("workflow", wf["id"], [NewEvent("k", {})])
                raise RuntimeError("rolled back")
        async with engine().transaction():
            [ref] = await append("workflow", wf["id"], [NewEvent("k", {"a": 1})])
        note = parse_notification(await asyncio.wait_for(received.get(), 5))
        assert received.empty()
    finally:
        await listener.close()
    assert note == ref
    assert (note.stream, note.seq, note.feeds) == (workflow_stream(wf["id"]), 1, ())
    rows = await Event.select(Event.seq, Event.payload)
    assert [row["seq"] for row in rows] == [ref.seq]  # the rolled-back cursor was handed back


async def test_a_feed_event_announces_its_feeds(factory: Factory, database_url: str) -> None:
    wf = await _workflow(factory)
    listener, received = await _listen(database_url)
    try:
        await _execution(wf)
        note = parse_notification(await asyncio.wait_for(received.get(), 5))
    finally:
        await listener.close()
    assert note.feeds == (workflow_executions_stream(wf["id"]),
                          organization_executions_stream(wf["organization"]))


async def test_writers_of_one_stream_commit_cursors_in_order(factory: Factory) -> None:
    """The second writer waits for the first: cursor 2 cannot be visible before cursor 1."""
    wf = await _workflow(factory)
    first_appended, release_first = asyncio.Event(), asyncio.Event()
    order: list[int] = []

    async def first() -> None:
        async with engine().transaction():
            [ref] = await append("workflow", wf["id"], [NewEvent("k", {})])
            first_appended.set()
            await release_first.wait()
            order.append(ref.seq)

    async def second() -> None:
        await first_appended.wait()
        async with engine().transaction():
            [ref] = await append("workflow", wf["id"], [NewEvent("k", {})])
            order.append(ref.seq)

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await first_appended.wait()
    await asyncio.sleep(0.2)  # give the second writer time to overtake, were it not blocked
    assert order == []
    release_first.set()
    await asyncio.gather(*tasks)
    assert order == [1, 2]


async def test_writers_of_two_executions_of_one_workflow_do_not_wait_for_each_other(
    factory: Factory,
) -> None:
    """The hot row is gone: a status change (which is on both feeds) of one execution
    commits while another execution of the same workflow holds its transaction open."""
    wf = await _workflow(factory)
    held_open, other = await _execution(wf), await _execution(wf)
    recorded, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with engine().transaction():
            await record(held_open, StatusChange("running"))
            recorded.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    try:
        await asyncio.wait_for(recorded.wait(), 10)
        # Would time out on a shared cursor row: the holder commits only after this returns.
        await asyncio.wait_for(record(other, StatusChange("running")), 10)
    finally:
        release.set()
        await holder


async def test_streams_count_independently(factory: Factory) -> None:
    a, b = await _workflow(factory), await _workflow(factory)
    seqs = []
    for wf in (a, b, a):
        async with engine().transaction():
            seqs.append((await append("workflow", wf["id"], [NewEvent("k", {})]))[0].seq)
    assert seqs == [1, 1, 2]


async def test_one_statement_appends_to_several_workflows_each_in_its_own_order(
    factory: Factory, database_url: str
) -> None:
    """A sync batch announces many workflows at once: each event lands on its own workflow's
    stream, after what the stream had, in the order given."""
    a, b = await _workflow(factory), await _workflow(factory)
    async with engine().transaction():
        await append("workflow", a["id"], [NewEvent("k", {"n": 0})])
    listener, received = await _listen(database_url)
    try:
        async with engine().transaction():
            refs = await append_each("workflow", [
                (a["id"], NewEvent("k", {"n": 1})), (b["id"], NewEvent("k", {"n": 2})),
                (a["id"], NewEvent("k", {"n": 3})), (b["id"], NewEvent("k", {"n": 4}))])
        notes = [parse_notification(await asyncio.wait_for(received.get(), 5)) for _ in refs]
    finally:
        await listener.close()
    assert [(r.stream, r.seq) for r in refs] == [
        (workflow_stream(a["id"]), 2), (workflow_stream(b["id"]), 1),
        (workflow_stream(a["id"]), 3), (workflow_stream(b["id"]), 2)]
    assert notes == refs
    rows = await Event.select(Event.seq, Event.workflow, Event.payload).order_by(
        Event.id).output(load_json=True)
    assert [(r["workflow"], r["seq"], r["payload"]) for r in rows[1:]] == [
        (a["id"], 2, {"n": 1}), (b["id"], 1, {"n": 2}), (a["id"], 3, {"n": 3}),
        (b["id"], 2, {"n": 4})]


async def test_an_append_to_a_missing_owner_writes_nothing(factory: Factory) -> None:
    wf = await _workflow(factory)
    with pytest.raises(LookupError, match="workflow 999999 does not exist"):
        async with engine().transaction():
            await append_each("workflow", [(wf["id"], NewEvent("k", {})),
                                           (999_999, NewEvent("k", {}))])
    assert await Event.count() == 0


async def test_an_environment_stream_counts_on_the_environment_row(factory: Factory) -> None:
    org = await factory.org()
    env = await fetch_one("INSERT INTO environment (organization, name) VALUES ($1, 'e')"
                          " RETURNING id", org["id"])
    assert env is not None
    async with engine().transaction():
        refs = await append("environment", env["id"], [NewEvent("build", {}),
                                                       NewEvent("log", {})])
    assert [(r.stream, r.seq) for r in refs] == [(environment_stream(env["id"]), 1),
                                                  (environment_stream(env["id"]), 2)]
    row = await fetch_one("SELECT event_seq FROM environment WHERE id = $1", env["id"])
    assert row is not None and row["event_seq"] == 2
    [event] = await Event.select(Event.organization, Event.workflow, Event.execution).where(
        Event.seq == 1)
    assert event == {"organization": org["id"], "workflow": None, "execution": None}


def test_notifications_that_are_not_announcements_are_refused() -> None:
    for payload in ("", "garbage", "execution:1 1 2", "execution:1 x 2 3"):
        with pytest.raises(ValueError):
            parse_notification(payload)
