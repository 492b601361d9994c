"""The one place that records what happens to an execution: its creation, every status change,
span and log line. Each call is one transaction that updates the execution and its summary
row and appends the matching events, so a subscriber never sees a change that was rolled back.

Three verbs: `create` a pending execution; `lock` one (under its row lock, to decide what to
write); `record` changes of one (`StatusChange`, `SpanDone`, `SpanClose`, `SpanOpen`,
`Outputs`, `LogLine`, in any order and number). `record` takes the lock itself, or writes
under one the caller took earlier in the same transaction (pass what `lock` returned).

Writers from a worker pass the dispatch `generation` they hold: the row is locked only if the
generation is still current, otherwise `Fenced` is raised and nothing is written. The writers
of one execution therefore write its events one after the other, in the order they commit
(domain.events derives the feeds' order from it).

One clock: every time a call writes (span starts and ends, log lines, status times, leases)
derives from one reading of the database clock taken with the row lock (`Recorded.at`).
Writers of one execution are ordered by that lock, so their times are too: a span recorded
after another one ended never starts before it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db.engine import engine
from domain._sql import dumps, fetch, fetch_one
from domain.events import NewEvent, append
from domain.execution_changes import (
    Fenced,
    Later,
    LogLine,
    NewExecution,
    Recorded,
    SpanClose,
    SpanDone,
    SpanOpen,
    StatusChange,
)
from domain.rows import FullExecutionRow, LockedExecutionRow

__all__ = ["TERMINAL", "Change", "Fenced", "Later", "LogLine", "NewExecution", "Outputs",
           "Recorded", "SpanClose", "SpanDone", "SpanOpen", "StatusChange", "create", "lock",
           "record"]

TERMINAL = frozenset({"completed", "failed", "cancelled"})
# Events of the call in progress, appended together when it ends.
_pending: ContextVar[list[NewEvent]] = ContextVar("pending_events")


@dataclass(frozen=True)
class Outputs:
    """Node results to keep on the execution for later attempts (merged into `outputs`)."""

    values: Mapping[str, Any]  # Any: JSON node results.


Change = StatusChange | SpanDone | SpanClose | SpanOpen | Outputs | LogLine

_SUMMARY_COLUMNS = ("status", "attempt", "error", "started_at", "ended_at", "duration_ms")
_SUMMARY_SET = ", ".join(f"{name} = u.{name}" for name in _SUMMARY_COLUMNS)
_SETTABLE = frozenset({
    "attempt", "worker_id", "lease_expires_at", "next_attempt_at", "cancel_requested",
    "dispatch_generation", "queue_name", "dispatched_at",
})


async def create(new: NewExecution) -> Recorded:
    """Insert a pending execution with its summary row and its creation event."""
    async def insert() -> Recorded:
        row, at = await _insert(new)
        return Recorded(execution=row, at=at)

    return await _written(insert)


async def lock(execution_id: int, *, generation: int | None = None,
               full_row: bool = False) -> Recorded:
    """Lock the execution's row until the caller's transaction ends (raises `Fenced` when
    `generation` is no longer current) and read the database clock. `Recorded.execution`
    holds every column only with `full_row` (then read it as `Recorded.full_row`)."""
    row, at = await _lock(execution_id, generation, full_row, {})
    return Recorded(execution=row, at=at)


async def record(execution: int | Recorded, *changes: Change,
                 generation: int | None = None) -> Recorded:
    """Record `changes` of one execution in one transaction (see the module docstring).

    Written in this order whatever the order given: status, done spans, close spans
    (children before their parents), open spans, outputs, logs; a terminal status comes
    last instead, so it is the run's last event. `span_ids` lists the ids of opened spans
    (a `SpanOpen.parent_opened` names an earlier one of the same call), then of done spans.
    `Recorded.execution` holds every column after a status change, a few otherwise.
    """
    statuses = [c for c in changes if isinstance(c, StatusChange)]
    if len(statuses) > 1:
        raise ValueError("one status change per record")
    outputs: dict[str, Any] = {}  # Any: JSON node results
    for change in changes:
        if isinstance(change, Outputs):
            outputs.update(change.values)

    async def write() -> Recorded:
        if isinstance(execution, Recorded):
            held, unwritten = Recorded(execution=execution.execution, at=execution.at), outputs
        else:
            row, at = await _lock(execution, generation, False, outputs)
            held, unwritten = Recorded(execution=row, at=at), {}  # the lock wrote them
        return await _apply(held, statuses[0] if statuses else None, changes, unwritten)

    return await _written(write)


async def _written(write: Callable[[], Awaitable[Recorded]]) -> Recorded:
    """Run `write` in a transaction (the caller's, when it has one) and append the events it
    queued (`_event`) at its end, in one statement."""
    events: list[NewEvent] = []
    token = _pending.set(events)
    try:
        async with engine().transaction():
            result = await write()
            await append("execution", result.execution.id, events)
    finally:
        _pending.reset(token)
    return result


async def _apply(result: Recorded, status: StatusChange | None, changes: tuple[Change, ...],
                 outputs: dict[str, Any]) -> Recorded:
    row, at = result.execution, result.at
    execution_id = row.id
    # A terminal status is written last, so its event follows every span and log line of the
    # run: subscribers that stop at the terminal state have seen everything before it.
    ending = status is not None and status.status in TERMINAL
    if status is not None and not ending:
        result.execution = row = await _change_status(row, status, at)
    # Spans that are already over ended before anything this call closes or opens.
    done_ids = await _done_spans(
        execution_id, [c for c in changes if isinstance(c, SpanDone)], at)
    for close in (c for c in changes if isinstance(c, SpanClose)):
        await _close_span(execution_id, close, at)
    result.span_ids += await _open_spans(
        execution_id, [c for c in changes if isinstance(c, SpanOpen)], at)
    result.span_ids += done_ids
    if outputs:
        await fetch("UPDATE execution SET outputs = outputs || $2::jsonb WHERE id = $1",
                    execution_id, dumps(outputs))
    for line in (c for c in changes if isinstance(c, LogLine)):
        await _log(execution_id, line, at)
    if status is not None and ending:
        result.execution = await _change_status(row, status, at)
    return result


Held = FullExecutionRow | LockedExecutionRow
_LIGHT = ", ".join(LockedExecutionRow.columns())


async def _lock(execution_id: int, generation: int | None, full: bool,
                outputs: Mapping[str, Any] | None) -> tuple[Held, datetime]:
    """Lock the row if `generation` is current (else raise Fenced) and read the database
    clock. A light lock fetches only a few columns, and writes `outputs` in the same
    statement."""
    fence = "id = $1 AND ($2::int IS NULL OR dispatch_generation = $2)"
    if full:
        row = await fetch_one(
            f"SELECT *, clock_timestamp() AS recorded_at FROM execution WHERE {fence}"
            " FOR UPDATE", execution_id, generation)
    elif outputs:
        row = await fetch_one(
            f"UPDATE execution SET outputs = outputs || $3::jsonb WHERE {fence}"
            f" RETURNING {_LIGHT}, clock_timestamp() AS recorded_at",
            execution_id, generation, dumps(dict(outputs)))
    else:
        row = await fetch_one(
            f"SELECT {_LIGHT}, clock_timestamp() AS recorded_at FROM execution WHERE {fence}"
            " FOR UPDATE", execution_id, generation)
    if row is None:
        raise Fenced(execution_id, generation)
    at: datetime = row["recorded_at"]
    held = FullExecutionRow.from_record(row) if full else LockedExecutionRow.from_record(row)
    return held, at


async def _insert(new: NewExecution) -> tuple[FullExecutionRow, datetime]:
    row = await fetch_one(
        "INSERT INTO execution (organization, workflow, status, trigger_type, triggered_by,"
        " input, workflow_version, definition, attempt, max_attempts, dispatch_generation,"
        " queue_name, idempotency_key, retry_of, retry_from, outputs, event_seq, created_at,"
        " dispatched_at, cancel_requested, trace_id, traceparent)"
        " SELECT $1, $2, 'pending', $3, $4, $5::jsonb, $6, $7::jsonb, 0, $8, 1, $9, $10, $11,"
        " $12, $13::jsonb, 0, t.at, t.at, false, $14, $15"
        " FROM (SELECT clock_timestamp() AS at) t RETURNING *",
        new.organization_id, new.workflow_id, new.trigger_type, new.triggered_by,
        dumps(new.input), new.workflow_version, dumps(new.definition), new.max_attempts,
        new.queue_name, new.idempotency_key, new.retry_of, new.retry_from, dumps(new.outputs),
        new.trace_id, new.traceparent,
    )
    assert row is not None
    created = FullExecutionRow.from_record(row)
    await fetch(
        "INSERT INTO execution_summary (execution, organization, workflow, status, trigger_type,"
        " triggered_by, attempt, created_at) VALUES ($1, $2, $3, 'pending', $4, $5, 0, $6)",
        created.id, created.organization, created.workflow, created.trigger_type,
        created.triggered_by, created.created_at,
    )
    # Its stream's first event, and a CREATED item of its workflow's and organization's feeds.
    _event("execution", {"executionId": created.id, "status": "pending"}, feed=True)
    return created, created.created_at


def _value(value: Any, at: datetime) -> Any:
    """A column value, with `Later` placed on the database clock (Any: column values)."""
    return at + timedelta(seconds=value.seconds) if isinstance(value, Later) else value


def _times(status: str, now: str) -> list[str]:
    """What a change to `status` sets of the execution's times, `now` naming the write's
    clock reading."""
    started = f"coalesce(started_at, {now})"
    if status == "running":
        return [f"started_at = {started}"]
    if status in TERMINAL:
        return [f"ended_at = {now}", "lease_expires_at = NULL", "worker_id = NULL",
                f"duration_ms = (extract(epoch FROM greatest({now}, {started}) - {started})"
                " * 1000)::bigint"]
    return []


async def _change_status(row: Held, change: StatusChange, at: datetime) -> FullExecutionRow:
    unknown = set(change.fields) - _SETTABLE
    if unknown:
        raise ValueError(f"cannot set execution columns {sorted(unknown)}")
    assignments = ["status = $2", "error = $3"]
    args: list[Any] = [row.id, change.status, change.error]
    for name, value in change.fields.items():
        args.append(_value(value, at))
        assignments.append(f"{name} = ${len(args)}")
    times = _times(change.status, f"${len(args) + 1}::timestamptz")
    if times:
        args.append(at)
        assignments += times
    # The summary row follows in the same statement (one round trip per status change).
    updated = await fetch_one(
        f"WITH updated AS (UPDATE execution SET {', '.join(assignments)} WHERE id = $1"
        f" RETURNING *), summary AS (UPDATE execution_summary s SET {_SUMMARY_SET}"
        " FROM updated u WHERE s.execution = u.id) SELECT * FROM updated", *args
    )
    assert updated is not None
    changed = FullExecutionRow.from_record(updated)
    payload = {"executionId": changed.id, "status": change.status,
               "attempt": changed.attempt, "error": change.error}
    # The feeds show a move to another status, not a change of attempt or lease.
    _event("status", payload, feed=change.status != row.status)
    return changed


# Every span a call opens in one statement: each takes its id first (`t`, evaluated once), so
# one can name another opened with it as its parent (`parent_opened`).
_OPEN = """
WITH t AS MATERIALIZED (
    SELECT t.*, nextval('execution_span_id_seq') AS id
    FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::int[]) WITH ORDINALITY
        AS t(parent, parent_opened, kind, node_id, attempt, ord)
)
INSERT INTO execution_span (id, execution, parent, kind, node_id, attempt, status,
                            started_at, output_truncated)
SELECT t.id, $1, coalesce(p.id, t.parent), t.kind, t.node_id, t.attempt, 'running', $7, false
FROM t LEFT JOIN t p ON p.ord = t.parent_opened + 1
ORDER BY t.ord
RETURNING id
"""


async def _open_spans(execution_id: int, spans: list[SpanOpen], at: datetime) -> list[int]:
    for i, span in enumerate(spans):
        if span.parent_opened is not None and not 0 <= span.parent_opened < i:
            raise ValueError(f"span {i} names span {span.parent_opened} as its parent: not"
                             " one opened before it in the same call")
    if not spans:
        return []
    created = await fetch(
        _OPEN, execution_id, [s.parent_id for s in spans], [s.parent_opened for s in spans],
        [s.kind for s in spans], [s.node_id for s in spans], [s.attempt for s in spans], at)
    ids = sorted(int(r["id"]) for r in created)  # taken in the order given
    for span_id, span in zip(ids, spans, strict=True):
        _event("span", {"spanId": span_id, "kind": span.kind, "nodeId": span.node_id,
                        "status": "running"})
    return ids


def _done_times(span: SpanDone, at: datetime) -> tuple[datetime, datetime]:
    ended_at = at - timedelta(seconds=max(0.0, span.ended_ago))
    started_at = min(ended_at, at - timedelta(seconds=max(0.0, span.started_ago)))
    if span.not_before is not None and span.not_before <= at:
        started_at = max(started_at, span.not_before)
        ended_at = max(ended_at, started_at)
    return started_at, ended_at


# Every done span of a call in one statement: rows are inserted in the order given, so their
# ids (taken as each is inserted) ascend in that order.
_DONE = """
INSERT INTO execution_span (execution, parent, kind, node_id, attempt, status, started_at,
                            ended_at, duration_ms, output, output_truncated, error)
SELECT $1, t.parent, t.kind, t.node_id, t.attempt, t.status, t.started_at, t.ended_at,
       t.duration_ms, t.output::jsonb, t.truncated, t.error
FROM unnest($2::int[], $3::text[], $4::text[], $5::int[], $6::text[], $7::timestamptz[],
            $8::timestamptz[], $9::bigint[], $10::text[], $11::bool[], $12::text[])
    WITH ORDINALITY AS t(parent, kind, node_id, attempt, status, started_at, ended_at,
                         duration_ms, output, truncated, error, ord)
ORDER BY t.ord
RETURNING id
"""


async def _done_spans(execution_id: int, spans: list[SpanDone], at: datetime) -> list[int]:
    if not spans:
        return []
    times = [_done_times(span, at) for span in spans]
    created = await fetch(
        _DONE, execution_id, [s.parent_id for s in spans], [s.kind for s in spans],
        [s.node_id for s in spans], [s.attempt for s in spans], [s.status for s in spans],
        [start for start, _ in times], [end for _, end in times],
        [round((end - start).total_seconds() * 1000) for start, end in times],
        [dumps(s.output) for s in spans], [s.output_truncated for s in spans],
        [s.error for s in spans])
    ids = sorted(int(r["id"]) for r in created)
    for span_id, span in zip(ids, spans, strict=True):
        # A span written once still tells both halves of its story: it started, then it ended.
        for status in ("running", span.status):
            _event("span", {"spanId": span_id, "kind": span.kind, "nodeId": span.node_id,
                            "status": status})
    return ids


async def _close_span(execution_id: int, span: SpanClose, at: datetime) -> None:
    # greatest(): a database clock stepped back (NTP) never shows as a negative duration.
    closed = await fetch_one(
        "UPDATE execution_span SET status = $3, output = $4::jsonb, output_truncated = $5,"
        " error = $6, ended_at = greatest($7, started_at),"
        " duration_ms = (extract(epoch FROM greatest($7, started_at) - started_at) * 1000)"
        "::bigint WHERE id = $1 AND execution = $2 RETURNING kind, node_id",
        span.span_id, execution_id, span.status, dumps(span.output), span.output_truncated,
        span.error, at,
    )
    if closed is None:
        raise ValueError(f"span {span.span_id} is not a span of execution {execution_id}")
    _event("span", {"spanId": span.span_id, "kind": closed["kind"],
                               "nodeId": closed["node_id"], "status": span.status})


async def _log(execution_id: int, line: LogLine, at: datetime) -> None:
    created = await fetch_one(
        "INSERT INTO execution_log (execution, span, node_id, level, message, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        execution_id, line.span_id, line.node_id, line.level, line.message, at,
    )
    assert created is not None
    _event("log", {"logId": created["id"], "level": line.level,
                              "nodeId": line.node_id})


def _event(kind: str, payload: dict[str, Any], *, feed: bool = False) -> None:
    _pending.get().append(NewEvent(kind, payload, feed))
