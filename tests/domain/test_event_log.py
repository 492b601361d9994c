"""The event log reads a stream after a cursor, snapshots an execution with its cursor, and
prunes old events without ever reusing a cursor."""

from __future__ import annotations

from typing import Any

from db.engine import engine
from domain._sql import fetch
from domain.event_log import (
    events_by_id,
    execution_state,
    first_retained,
    prune_events,
    read_after,
    stream_cursor,
)
from domain.events import append_event, execution_stream
from domain.recording import NewExecution, StatusChange, record
from tests.factory import Factory


async def _append(org: dict[str, Any], stream: str, n: int) -> list[int]:
    ids = []
    for i in range(n):
        async with engine().transaction():
            ref = await append_event(
                organization_id=org["id"], stream=stream, kind="log", payload={"i": i}
            )
        ids.append(ref.id)
    return ids


async def test_read_after_returns_only_later_events_of_the_stream_in_order(
    factory: Factory,
) -> None:
    org = await factory.org()
    await _append(org, "a", 5)
    await _append(org, "b", 2)
    events = await read_after("a", 2)
    assert [(e.stream, e.seq, e.payload["i"]) for e in events] == [
        ("a", 3, 2), ("a", 4, 3), ("a", 5, 4)
    ]
    assert [e.seq for e in await read_after("a", 0, limit=2)] == [1, 2]
    assert await read_after("a", 5) == []


async def test_events_by_id_returns_the_named_events(factory: Factory) -> None:
    org = await factory.org()
    ids = await _append(org, "a", 3)
    events = await events_by_id([ids[2], ids[0], 999_999])
    assert [e.id for e in events] == [ids[0], ids[2]]
    assert await events_by_id([]) == []


async def test_execution_state_pairs_the_row_with_the_cursor_of_its_stream(
    factory: Factory,
) -> None:
    org = await factory.org()
    user = await factory.user(org=org)
    wf = await factory.workflow(org, user)
    created = await record(new=NewExecution(
        organization_id=org["id"], workflow_id=wf["id"], trigger_type="manual",
        triggered_by=user["id"], input={}, workflow_version=1, definition={},
        max_attempts=1, queue_name="q",
    ))
    execution_id = created.execution["id"]
    await record(execution_id, status=StatusChange("running"))
    state = await execution_state(execution_id)
    assert state is not None
    row, cursor = state
    assert row["status"] == "running"
    assert cursor == await stream_cursor(execution_stream(execution_id)) == 2
    assert await execution_state(999_999) is None


async def test_prune_deletes_only_old_events_and_keeps_cursors_increasing(
    factory: Factory,
) -> None:
    org = await factory.org()
    await _append(org, "a", 4)
    await fetch("UPDATE event SET created_at = now() - interval '5 hours' WHERE seq <= 3")
    assert await prune_events(older_than_hours=4, batch=2) == 3
    assert [e.seq for e in await read_after("a", 0)] == [4]
    assert await first_retained("a") == 4
    await _append(org, "a", 1)
    assert [e.seq for e in await read_after("a", 0)] == [4, 5]
    assert await prune_events(older_than_hours=4) == 0
