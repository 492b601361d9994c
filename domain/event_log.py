"""Reading the event log: events of a stream after a cursor, events by id (what a NOTIFY names),
the current state of an execution together with its stream's cursor, and retention pruning.

Cursors are the per-stream `seq` of `domain.events`; a stream's cursor row survives pruning, so
cursors are never reused. Subscribers read with `seq > after`; a client whose `after` is older
than the retained log gets what is left (`first_retained` tells it how much is gone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain._sql import decode, fetch, fetch_one, loads
from domain.events import environment_stream, execution_stream, workflow_stream
from domain.settings import get_settings

PAGE = 500


@dataclass(frozen=True)
class LoggedEvent:
    id: int
    stream: str
    seq: int
    kind: str
    payload: dict[str, Any]  # Any: the JSON payload written by the producer.
    organization_id: int
    workflow_id: int | None
    execution_id: int | None
    created_at: datetime


_COLUMNS = (
    "id, stream, seq, kind, payload, organization, workflow, execution, created_at"
)


def _event(row: dict[str, Any]) -> LoggedEvent:
    return LoggedEvent(
        id=int(row["id"]),
        stream=str(row["stream"]),
        seq=int(row["seq"]),
        kind=str(row["kind"]),
        payload=loads(row["payload"]) or {},
        organization_id=int(row["organization"]),
        workflow_id=row["workflow"],
        execution_id=row["execution"],
        created_at=row["created_at"],
    )


async def read_after(stream: str, after: int, limit: int = PAGE) -> list[LoggedEvent]:
    """Up to `limit` events of `stream` with a cursor above `after`, in cursor order."""
    rows = await fetch(
        f"SELECT {_COLUMNS} FROM event WHERE stream = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        stream, after, limit,
    )
    return [_event(row) for row in rows]


async def events_by_id(ids: Sequence[int]) -> list[LoggedEvent]:
    """The events with these ids (those still retained), in id order."""
    if not ids:
        return []
    rows = await fetch(
        f"SELECT {_COLUMNS} FROM event WHERE id = ANY($1::bigint[]) ORDER BY id", list(ids)
    )
    return [_event(row) for row in rows]


async def stream_cursor(stream: str) -> int:
    """The last cursor handed out on `stream` (0 when nothing was ever appended)."""
    row = await fetch_one("SELECT seq FROM stream_cursor WHERE stream = $1", stream)
    return 0 if row is None else int(row["seq"])


async def first_retained(stream: str) -> int | None:
    """The smallest cursor of `stream` still in the log, None when none is."""
    row = await fetch_one("SELECT min(seq) AS seq FROM event WHERE stream = $1", stream)
    return None if row is None or row["seq"] is None else int(row["seq"])


async def _with_cursor(table: str, row_id: int, stream: str) -> tuple[dict[str, Any], int] | None:
    # One statement, one snapshot: the row reflects every event up to the cursor, none after.
    row = await fetch_one(
        f"SELECT t.*, coalesce(c.seq, 0) AS stream_seq FROM {table} t"
        " LEFT JOIN stream_cursor c ON c.stream = $2 WHERE t.id = $1",
        row_id, stream,
    )
    if row is None:
        return None
    cursor = int(row.pop("stream_seq"))
    return decode(row), cursor


async def execution_state(execution_id: int) -> tuple[dict[str, Any], int] | None:
    """The execution row (Any: column values) and its stream's cursor, in one snapshot."""
    return await _with_cursor("execution", execution_id, execution_stream(execution_id))


async def workflow_state(workflow_id: int) -> tuple[dict[str, Any], int] | None:
    """The workflow row (Any: column values) and its stream's cursor, in one snapshot."""
    return await _with_cursor("workflow", workflow_id, workflow_stream(workflow_id))


async def environment_state(environment_id: int) -> tuple[dict[str, Any], int] | None:
    """The environment row (Any: column values) and its stream's cursor, in one snapshot."""
    return await _with_cursor("environment", environment_id, environment_stream(environment_id))


async def log_messages(log_ids: Sequence[int]) -> dict[int, str]:
    """The messages of execution log lines by id (a log event names its line)."""
    rows = await fetch(
        "SELECT id, message FROM execution_log WHERE id = ANY($1::int[])", list(log_ids)
    )
    return {int(row["id"]): str(row["message"]) for row in rows}


async def prune_events(older_than_hours: float | None = None, batch: int = 5000) -> int:
    """Delete events older than the retention (settings.event_retention_hours by default), in
    batches so no long lock is held; returns how many were deleted. Safe to call repeatedly
    and from several schedulers at once."""
    hours = get_settings().event_retention_hours if older_than_hours is None else older_than_hours
    deleted = 0
    while True:
        rows = await fetch(
            "WITH doomed AS (SELECT id FROM event"
            " WHERE created_at < now() - make_interval(secs => $1)"
            " ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)"
            " DELETE FROM event WHERE id IN (SELECT id FROM doomed) RETURNING id",
            float(hours) * 3600.0, batch,
        )
        deleted += len(rows)
        if len(rows) < batch:
            return deleted
