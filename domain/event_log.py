"""Reading the event log: events of a stream after a position, events by id (what a NOTIFY
names), the current state of an execution or workflow with its stream's cursor, whether a
cursor has expired, and retention pruning.

A position is a pair ordered as a tuple. In an entity's stream (`execution:<id>`,
`workflow:<id>`) it is `(seq, 0)`; in a feed it is the global `(ftx, id)` (domain.events),
and a feed is read only below the watermark: the oldest transaction still in progress anywhere
on the server (`pg_snapshot_xmin`). One long transaction holds every feed back (readers wait,
nothing is lost), which is why our roles end idle transactions
(`idle_in_transaction_session_timeout`, db.migrations) and the broker exports how long it waits
(`flowplane_event_watermark_lag_seconds`).

Retention deletes old events; a cursor from before what was deleted answers `CursorExpired`,
as Kubernetes answers 410 Gone to a compacted resourceVersion.

An environment's stream (`environment:<id>`) is an entity's stream like the other two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain._sql import decode, fetch, fetch_one, loads
from domain.events import feed_of
from domain.rows import EnvironmentRow, FullExecutionRow, WorkflowRow
from domain.settings import get_settings

PAGE = 500
Position = tuple[int, int]
START: Position = (0, 0)
_WATERMARK = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"


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
    ftx: int = 0
    feed: bool = False
    # Where the event stands in the stream it was read from (an entity's or a feed).
    position: Position = START


_COLUMNS = (
    "id, stream, seq, kind, payload, organization, workflow, execution, created_at, ftx, feed"
)


def _event(row: dict[str, Any], in_feed: bool) -> LoggedEvent:
    seq, ftx, event_id = int(row["seq"]), int(row["ftx"]), int(row["id"])
    return LoggedEvent(
        id=event_id,
        stream=str(row["stream"]),
        seq=seq,
        kind=str(row["kind"]),
        payload=loads(row["payload"]) or {},
        organization_id=int(row["organization"]),
        workflow_id=row["workflow"],
        execution_id=row["execution"],
        created_at=row["created_at"],
        ftx=ftx,
        feed=bool(row["feed"]),
        position=(ftx, event_id) if in_feed else (seq, 0),
    )


async def read_after(stream: str, after: Position, limit: int = PAGE) -> list[LoggedEvent]:
    """Up to `limit` events of `stream` after the position `after`, in stream order (for a
    feed, only those below the watermark)."""
    feed = feed_of(stream)
    if feed is None:
        rows = await fetch(
            f"SELECT {_COLUMNS} FROM event WHERE stream = $1 AND seq > $2 ORDER BY seq"
            " LIMIT $3", stream, after[0], limit)
        return [_event(row, False) for row in rows]
    column, key = feed
    rows = await fetch(
        f"SELECT {_COLUMNS} FROM event WHERE {column} = $1 AND feed"
        f" AND (ftx, id) > ($2, $3) AND ftx < {_WATERMARK} ORDER BY ftx, id LIMIT $4",
        key, after[0], after[1], limit)
    return [_event(row, True) for row in rows]


async def events_by_id(ids: Sequence[int]) -> list[LoggedEvent]:
    """The events with these ids (those still retained), in id order, positioned in their
    entity's stream."""
    if not ids:
        return []
    rows = await fetch(
        f"SELECT {_COLUMNS} FROM event WHERE id = ANY($1::bigint[]) ORDER BY id", list(ids)
    )
    return [_event(row, False) for row in rows]


async def announced(ids: Sequence[int], ftxs: Sequence[int]) -> set[int]:
    """Which of these (event id, feed key) pairs name a retained event."""
    rows = await fetch(
        "SELECT e.id FROM unnest($1::bigint[], $2::bigint[]) AS a(id, ftx)"
        " JOIN event e ON e.id = a.id AND e.ftx = a.ftx", list(ids), list(ftxs))
    return {int(row["id"]) for row in rows}


async def watermark() -> Position:
    """The position every feed has reached: all events before it are readable, and every
    event still to come (or still to be read) stands after it."""
    row = await fetch_one(f"SELECT {_WATERMARK} AS ftx")
    assert row is not None
    return int(row["ftx"]), 0


async def expired(stream: str, after: Position) -> bool:
    """Whether retention deleted events of `stream` that come after `after`."""
    if feed_of(stream) is not None:
        row = await fetch_one("SELECT ftx, event FROM event_horizon WHERE id = 1")
        return row is not None and (int(row["ftx"]), int(row["event"])) > after
    table, _, key = stream.partition(":")
    row = await fetch_one(
        f"SELECT t.event_seq, (SELECT min(seq) FROM event WHERE stream = $2) AS first"
        f" FROM {table} t WHERE t.id = $1", int(key), stream)
    if row is None or after[0] >= int(row["event_seq"]):
        return False
    return row["first"] is None or int(row["first"]) > after[0] + 1


async def _with_cursor(table: str, row_id: int) -> tuple[dict[str, Any], Position] | None:
    # The row carries its stream's cursor: it reflects every event up to it, none after.
    row = await fetch_one(f"SELECT * FROM {table} WHERE id = $1", row_id)
    if row is None:
        return None
    return decode(row), (int(row["event_seq"]), 0)


async def execution_state(execution_id: int) -> tuple[FullExecutionRow, Position] | None:
    """The execution row and its stream's position, in one snapshot."""
    found = await _with_cursor("execution", execution_id)  # decoded already
    return None if found is None else (FullExecutionRow.from_columns(found[0]), found[1])


async def workflow_state(workflow_id: int) -> tuple[WorkflowRow, Position] | None:
    """The workflow row and its stream's position, in one snapshot (as `_with_cursor`)."""
    row = await fetch_one("SELECT * FROM workflow WHERE id = $1", workflow_id)
    if row is None:
        return None
    return WorkflowRow.from_record(row), (int(row["event_seq"]), 0)


async def environment_state(environment_id: int) -> tuple[EnvironmentRow, Position] | None:
    """The environment row and its stream's position, in one snapshot."""
    state = await _with_cursor("environment", environment_id)
    return None if state is None else (EnvironmentRow.from_columns(state[0]), state[1])


async def log_messages(log_ids: Sequence[int]) -> dict[int, str]:
    """The messages of execution log lines by id (a log event names its line)."""
    rows = await fetch(
        "SELECT id, message FROM execution_log WHERE id = ANY($1::int[])", list(log_ids)
    )
    return {int(row["id"]): str(row["message"]) for row in rows}


_PRUNE = """
WITH doomed AS (
    SELECT id FROM event WHERE created_at < now() - make_interval(secs => $1)
    ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
), gone AS (
    DELETE FROM event WHERE id IN (SELECT id FROM doomed) RETURNING ftx, id
), last AS (
    SELECT ftx, id FROM gone ORDER BY ftx DESC, id DESC LIMIT 1
), horizon AS (
    INSERT INTO event_horizon (id, ftx, event) SELECT 1, ftx, id FROM last
    ON CONFLICT (id) DO UPDATE SET ftx = EXCLUDED.ftx, event = EXCLUDED.event
    WHERE (event_horizon.ftx, event_horizon.event) < (EXCLUDED.ftx, EXCLUDED.event)
)
SELECT count(*) AS n FROM gone
"""


async def prune_events(older_than_hours: float | None = None, batch: int = 5000) -> int:
    """Delete events older than the retention (settings.event_retention_hours by default), in
    batches so no long lock is held; returns how many were deleted. Feed cursors before the
    last deleted position expire (`event_horizon`). Safe to call repeatedly and from several
    schedulers at once."""
    hours = get_settings().event_retention_hours if older_than_hours is None else older_than_hours
    deleted = 0
    while True:
        row = await fetch_one(_PRUNE, float(hours) * 3600.0, batch)
        count = 0 if row is None else int(row["n"])
        deleted += count
        if count < batch:
            return deleted
