"""The event log reads a stream after a position, snapshots an execution with its cursor, reads
the feeds only below the watermark, and prunes old events: cursors are never reused, and a
cursor from before what was pruned has expired."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg

from db.engine import engine
from domain._sql import fetch
from domain.event_log import (
    events_by_id,
    execution_state,
    expired,
    prune_events,
    read_after,
    watermark,
)
from domain.events import (
    NewEvent,
    append,
    execution_stream,
    organization_executions_stream,
    workflow_executions_stream,
    workflow_stream,
)
from domain.recording import NewExecution, StatusChange, create, record
from tests.factory import Factory


async def _workflow(factory: Factory) -> dict[str, Any]:
    org = await factory.org()
    return await factory.workflow(org, await factory.user(org=org))


async def _append(workflow_id: int, n: int) -> list[int]:
    ids = []
    for i in range(n):
        async with engine().transaction():
            refs = await append("workflow", workflow_id, [NewEvent("log", {"i": i})])
        ids.append(refs[0].id)
    return ids


async def _execution(wf: dict[str, Any]) -> int:
    created = await create(NewExecution(
        organization_id=wf["organization"], workflow_id=wf["id"], trigger_type="manual",
        triggered_by=None, input={}, workflow_version=1, definition={}, max_attempts=1,
        queue_name="q"))
    return int(created.execution.id)


async def test_read_after_returns_only_later_events_of_the_stream_in_order(
    factory: Factory,
) -> None:
    a, b = await _workflow(factory), await _workflow(factory)
    await _append(a["id"], 5)
    await _append(b["id"], 2)
    events = await read_after(workflow_stream(a["id"]), (2, 0))
    assert [(e.stream, e.seq, e.payload["i"]) for e in events] == [
        (workflow_stream(a["id"]), s, s - 1) for s in (3, 4, 5)]
    assert [e.seq for e in await read_after(workflow_stream(a["id"]), (0, 0), limit=2)] == [1, 2]
    assert await read_after(workflow_stream(a["id"]), (5, 0)) == []


async def test_events_of_one_call_take_consecutive_cursors(factory: Factory) -> None:
    wf = await _workflow(factory)
    async with engine().transaction():
        await append("workflow", wf["id"], [NewEvent("k", {"n": 0})])
        refs = await append("workflow", wf["id"], [NewEvent("k", {"n": n}) for n in (1, 2)])
    assert [r.seq for r in refs] == [2, 3]
    rows = await fetch("SELECT seq, payload->>'n' AS n FROM event WHERE stream = $1 ORDER BY id",
                       workflow_stream(wf["id"]))
    assert [(r["seq"], r["n"]) for r in rows] == [(1, "0"), (2, "1"), (3, "2")]


async def test_events_by_id_returns_the_named_events(factory: Factory) -> None:
    wf = await _workflow(factory)
    ids = await _append(wf["id"], 3)
    events = await events_by_id([ids[2], ids[0], 999_999])
    assert [e.id for e in events] == [ids[0], ids[2]]
    assert await events_by_id([]) == []


async def test_execution_state_pairs_the_row_with_the_cursor_of_its_stream(
    factory: Factory,
) -> None:
    execution_id = await _execution(await _workflow(factory))
    await record(execution_id, StatusChange("running"))
    state = await execution_state(execution_id)
    assert state is not None
    row, cursor = state
    assert row.status == "running"
    assert cursor == (2, 0)
    assert [e.kind for e in await read_after(execution_stream(execution_id), (0, 0))] == [
        "execution", "status"]
    assert await execution_state(999_999) is None


async def test_feeds_carry_creations_and_moves_to_another_status_only(factory: Factory) -> None:
    wf = await _workflow(factory)
    start = await watermark()
    execution_id = await _execution(wf)
    await record(execution_id, StatusChange("running"))
    await record(execution_id, StatusChange("running", fields={"attempt": 2}))
    await record(execution_id, StatusChange("completed"))
    for feed in (workflow_executions_stream(wf["id"]),
                 organization_executions_stream(wf["organization"])):
        events = await read_after(feed, start)
        assert [(e.kind, e.payload["status"]) for e in events] == [
            ("execution", "pending"), ("status", "running"), ("status", "completed")]
        assert [e.position for e in events] == sorted(e.position for e in events)
        assert await read_after(feed, events[-1].position) == []
    other = await _workflow(factory)
    assert await read_after(workflow_executions_stream(other["id"]), start) == []


async def test_a_transaction_left_open_holds_the_feeds_back_until_it_ends(
    factory: Factory, database_url: str
) -> None:
    wf = await _workflow(factory)
    feed = workflow_executions_stream(wf["id"])
    start = await watermark()
    idle = await asyncpg.connect(database_url)
    try:
        await idle.execute("BEGIN")
        await idle.fetchval("SELECT pg_current_xact_id()")  # it now holds a transaction id
        await _execution(wf)  # committed after the open one began
        assert await read_after(feed, start) == []
        assert (await watermark())[0] <= int(await idle.fetchval(
            "SELECT pg_current_xact_id()::text::bigint"))
        await idle.execute("ROLLBACK")
    finally:
        await idle.close()
    assert [e.kind for e in await read_after(feed, start)] == ["execution"]


async def test_a_session_idle_in_a_transaction_is_ended_so_feeds_move_on(
    factory: Factory, database_url: str
) -> None:
    wf = await _workflow(factory)
    feed = workflow_executions_stream(wf["id"])
    start = await watermark()
    idle = await asyncpg.connect(
        database_url, server_settings={"idle_in_transaction_session_timeout": "200ms"})
    try:
        await idle.execute("BEGIN")
        await idle.fetchval("SELECT pg_current_xact_id()")
        await _execution(wf)
        assert await read_after(feed, start) == []
        # PostgreSQL ends the idle session; poll until the feed has the event.
        deadline = time.monotonic() + 30
        while not await read_after(feed, start):
            assert time.monotonic() < deadline, "the idle transaction was never ended"
            await asyncio.sleep(0.02)
    finally:
        await idle.close()


async def test_our_roles_end_transactions_left_idle(database_url: str) -> None:
    setting = await fetch("SELECT current_setting('idle_in_transaction_session_timeout') AS v")
    assert setting[0]["v"] not in ("0", "")


async def test_prune_deletes_only_old_events_and_expires_cursors_before_them(
    factory: Factory,
) -> None:
    wf = await _workflow(factory)
    stream = workflow_stream(wf["id"])
    await _append(wf["id"], 4)
    await fetch("UPDATE event SET created_at = now() - interval '5 hours' WHERE seq <= 3"
                " AND stream = $1", stream)
    assert await prune_events(older_than_hours=4, batch=2) == 3
    assert [e.seq for e in await read_after(stream, (0, 0))] == [4]
    assert await expired(stream, (0, 0)) and await expired(stream, (2, 0))
    assert not await expired(stream, (3, 0)) and not await expired(stream, (4, 0))
    await _append(wf["id"], 1)
    assert [e.seq for e in await read_after(stream, (0, 0))] == [4, 5]
    assert await prune_events(older_than_hours=4) == 0


async def test_prune_expires_feed_cursors_before_the_last_deleted_position(
    factory: Factory,
) -> None:
    wf = await _workflow(factory)
    feed = workflow_executions_stream(wf["id"])
    start = await watermark()
    first, second = await _execution(wf), await _execution(wf)
    events = await read_after(feed, start)
    assert not await expired(feed, start)
    await fetch("UPDATE event SET created_at = now() - interval '5 hours' WHERE execution = $1",
                first)
    assert await prune_events(older_than_hours=4) == 1
    assert await expired(feed, start)
    assert not await expired(feed, events[0].position)
    assert [e.execution_id for e in await read_after(feed, events[0].position)] == [second]


async def test_a_writer_that_took_its_transaction_id_before_waiting_stays_behind_in_the_feeds(
    factory: Factory,
) -> None:
    # PostgreSQL gives a transaction its id before it waits for a row lock, and waiters wake in
    # no fixed order: a writer with the smaller id can write an execution's next change after
    # one with a larger id committed. Taken here by hand, the same thing happens every time.
    wf = await _workflow(factory)
    start = await watermark()
    execution_id = await _execution(wf)
    has_id, go = asyncio.Event(), asyncio.Event()

    async def early_writer() -> None:
        async with engine().transaction():
            await fetch("SELECT pg_current_xact_id()")
            has_id.set()
            await asyncio.wait_for(go.wait(), 10)
            await record(execution_id, StatusChange("completed"))

    early = asyncio.create_task(early_writer())
    await asyncio.wait_for(has_id.wait(), 10)
    await record(execution_id, StatusChange("running"))  # a later id, committed first
    go.set()
    await asyncio.wait_for(early, 10)
    for feed in (workflow_executions_stream(wf["id"]),
                 organization_executions_stream(wf["organization"])):
        events = await read_after(feed, start)
        assert [(e.seq, e.payload["status"]) for e in events] == [
            (1, "pending"), (2, "running"), (3, "completed")], feed
        assert [e.position for e in events] == sorted(set(e.position for e in events))
