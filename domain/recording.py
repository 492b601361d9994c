"""The one place that records what happens to an execution: its creation, every status change,
span and log line. Each call is one transaction that updates the execution and its summary
row and appends the matching events, so a subscriber never sees a change that was rolled back.

Writers from a worker pass the dispatch `generation` they hold: the row is locked only if the
generation is still current, otherwise `Fenced` is raised and nothing is written.

One clock: every time a call writes (span starts and ends, log lines, status times, leases)
derives from one reading of the database clock taken with the row lock (`Recorded.at`).
Writers of one execution are ordered by that lock, so their times are too: a span recorded
after another one ended never starts before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from db.engine import engine
from domain._sql import decode, dumps, fetch, fetch_one
from domain.events import (
    append_events,
    execution_stream,
    organization_executions_stream,
    workflow_executions_stream,
)
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

__all__ = ["TERMINAL", "Fenced", "Later", "LogLine", "NewExecution", "Recorded", "SpanClose",
           "SpanDone", "SpanOpen", "StatusChange", "record"]

TERMINAL = frozenset({"completed", "failed", "cancelled"})
# Events of the `record` call in progress, appended together when it ends.
_pending: ContextVar[list[tuple[str, str, dict[str, Any]]]] = ContextVar("pending_events")


_SUMMARY_COLUMNS = ("status", "attempt", "error", "started_at", "ended_at", "duration_ms")
_SETTABLE = frozenset({
    "attempt", "worker_id", "lease_expires_at", "next_attempt_at", "cancel_requested",
    "dispatch_generation", "queue_name", "dispatched_at",
})


async def record(
    execution_id: int | None = None,
    *,
    generation: int | None = None,
    new: NewExecution | None = None,
    status: StatusChange | None = None,
    close_spans: Sequence[SpanClose] = (),
    open_spans: Sequence[SpanOpen] = (),
    done_spans: Sequence[SpanDone] = (),
    logs: Sequence[LogLine] = (),
    outputs: Mapping[str, Any] | None = None,
    locked: Recorded | None = None,
    full_row: bool = False,
) -> Recorded:
    """Record changes of one execution in one transaction (see the module docstring).

    Order inside the transaction: create, status, done spans, close spans (children before
    their parents), open spans, outputs, logs; a terminal status comes last instead, so it is
    the run's last event. `span_ids` lists the ids of opened spans, then of done spans.
    `locked` is what an earlier call in the caller's enclosing transaction returned (skips
    the lock and keeps its clock reading); `Recorded.execution` holds every column only with
    `full_row` or a status change.
    """
    events: list[tuple[str, str, dict[str, Any]]] = []
    token = _pending.set(events)
    try:
        async with engine().transaction():
            result = await _apply(execution_id, generation, new, status, close_spans,
                                  open_spans, done_spans, logs, outputs, locked, full_row)
            row = result.execution
            await append_events(events, organization_id=row["organization"],
                                workflow_id=row["workflow"], execution_id=row["id"])
    finally:
        _pending.reset(token)
    return result


async def _apply(
    execution_id: int | None,
    generation: int | None,
    new: NewExecution | None,
    status: StatusChange | None,
    close_spans: Sequence[SpanClose],
    open_spans: Sequence[SpanOpen],
    done_spans: Sequence[SpanDone],
    logs: Sequence[LogLine],
    outputs: Mapping[str, Any] | None,
    locked: Recorded | None,
    full_row: bool,
) -> Recorded:
    if new is not None:
        row, at = await _insert(new)
    elif locked is not None:
        row, at = locked.execution, locked.at
    else:
        assert execution_id is not None
        row, at = await _lock(execution_id, generation, full_row, outputs)
        outputs = None if not full_row else outputs  # the light lock wrote them
    result = Recorded(execution=row, at=at)
    # A terminal status is written last, so its event follows every span and log line of the
    # run: subscribers that stop at the terminal state have seen everything before it.
    ending = status is not None and status.status in TERMINAL
    if status is not None and not ending:
        result.execution = row = await _change_status(row, status, at)
    # Spans that are already over ended before anything this call closes or opens.
    done_ids = [await _done_span(row, span_done, at) for span_done in done_spans]
    for span in close_spans:
        await _close_span(row, span, at)
    for span_open in open_spans:
        result.span_ids.append(await _open_span(row, span_open, result.span_ids, at))
    result.span_ids += done_ids
    if outputs:
        await fetch("UPDATE execution SET outputs = outputs || $2::jsonb WHERE id = $1",
                    row["id"], dumps(dict(outputs)))
    for line in logs:
        await _log(row, line, at)
    if status is not None and ending:
        result.execution = await _change_status(row, status, at)
    return result


_LIGHT = ("id, organization, workflow, status, error, attempt, dispatch_generation,"
          " cancel_requested")


async def _lock(execution_id: int, generation: int | None, full: bool,
                outputs: Mapping[str, Any] | None) -> tuple[dict[str, Any], datetime]:
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
    at: datetime = row.pop("recorded_at")
    return decode(row), at


async def _insert(new: NewExecution) -> tuple[dict[str, Any], datetime]:
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
    await fetch(
        "INSERT INTO execution_summary (execution, organization, workflow, status, trigger_type,"
        " triggered_by, attempt, created_at) VALUES ($1, $2, $3, 'pending', $4, $5, 0, $6)",
        row["id"], row["organization"], row["workflow"], row["trigger_type"],
        row["triggered_by"], row["created_at"],
    )
    payload = {"executionId": row["id"], "status": "pending"}
    for stream in _feeds(row):
        await _event(row, "execution", payload, stream)
    await _event(row, "status", payload)
    return decode(row), row["created_at"]


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


async def _change_status(row: dict[str, Any], change: StatusChange,
                         at: datetime) -> dict[str, Any]:
    unknown = set(change.fields) - _SETTABLE
    if unknown:
        raise ValueError(f"cannot set execution columns {sorted(unknown)}")
    assignments = ["status = $2", "error = $3"]
    args: list[Any] = [row["id"], change.status, change.error]
    for name, value in change.fields.items():
        args.append(_value(value, at))
        assignments.append(f"{name} = ${len(args)}")
    times = _times(change.status, f"${len(args) + 1}::timestamptz")
    if times:
        args.append(at)
        assignments += times
    updated = await fetch_one(
        f"UPDATE execution SET {', '.join(assignments)} WHERE id = $1 RETURNING *", *args
    )
    assert updated is not None
    summary = ", ".join(f"{name} = ${i + 2}" for i, name in enumerate(_SUMMARY_COLUMNS))
    await fetch(
        f"UPDATE execution_summary SET {summary} WHERE execution = $1",
        updated["id"], *(updated[name] for name in _SUMMARY_COLUMNS),
    )
    payload = {"executionId": updated["id"], "status": change.status,
               "attempt": updated["attempt"], "error": change.error}
    await _event(updated, "status", payload)
    if change.status != row["status"]:
        for stream in _feeds(updated):
            await _event(updated, "status", payload, stream)
    return decode(updated)


def _feeds(row: dict[str, Any]) -> tuple[str, str]:
    """The streams that announce an execution's creation and status changes beyond its own:
    its workflow's and its organization's."""
    return (workflow_executions_stream(row["workflow"]),
            organization_executions_stream(row["organization"]))


async def _open_span(row: dict[str, Any], span: SpanOpen, opened: list[int],
                     at: datetime) -> int:
    parent = span.parent_id if span.parent_opened is None else opened[span.parent_opened]
    created = await fetch_one(
        "INSERT INTO execution_span (execution, parent, kind, node_id, attempt, status,"
        " started_at, output_truncated) VALUES ($1, $2, $3, $4, $5, 'running', $6, false)"
        " RETURNING id",
        row["id"], parent, span.kind, span.node_id, span.attempt, at,
    )
    assert created is not None
    await _event(row, "span", {"spanId": created["id"], "kind": span.kind,
                               "nodeId": span.node_id, "status": "running"})
    return int(created["id"])


async def _done_span(row: dict[str, Any], span: SpanDone, at: datetime) -> int:
    ended_at = at - timedelta(seconds=max(0.0, span.ended_ago))
    started_at = min(ended_at, at - timedelta(seconds=max(0.0, span.started_ago)))
    if span.not_before is not None and span.not_before <= at:
        started_at = max(started_at, span.not_before)
        ended_at = max(ended_at, started_at)
    created = await fetch_one(
        "INSERT INTO execution_span (execution, parent, kind, node_id, attempt, status,"
        " started_at, ended_at, duration_ms, output, output_truncated, error)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12) RETURNING id",
        row["id"], span.parent_id, span.kind, span.node_id, span.attempt, span.status,
        started_at, ended_at, round((ended_at - started_at).total_seconds() * 1000),
        dumps(span.output), span.output_truncated,
        span.error,
    )
    assert created is not None
    # A span written once still tells both halves of its story: it started, then it ended.
    for status in ("running", span.status):
        await _event(row, "span", {"spanId": created["id"], "kind": span.kind,
                                   "nodeId": span.node_id, "status": status})
    return int(created["id"])


async def _close_span(row: dict[str, Any], span: SpanClose, at: datetime) -> None:
    # greatest(): a database clock stepped back (NTP) never shows as a negative duration.
    closed = await fetch_one(
        "UPDATE execution_span SET status = $3, output = $4::jsonb, output_truncated = $5,"
        " error = $6, ended_at = greatest($7, started_at),"
        " duration_ms = (extract(epoch FROM greatest($7, started_at) - started_at) * 1000)"
        "::bigint WHERE id = $1 AND execution = $2 RETURNING kind, node_id",
        span.span_id, row["id"], span.status, dumps(span.output), span.output_truncated,
        span.error, at,
    )
    if closed is None:
        raise ValueError(f"span {span.span_id} is not a span of execution {row['id']}")
    await _event(row, "span", {"spanId": span.span_id, "kind": closed["kind"],
                               "nodeId": closed["node_id"], "status": span.status})


async def _log(row: dict[str, Any], line: LogLine, at: datetime) -> None:
    created = await fetch_one(
        "INSERT INTO execution_log (execution, span, node_id, level, message, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        row["id"], line.span_id, line.node_id, line.level, line.message, at,
    )
    assert created is not None
    await _event(row, "log", {"logId": created["id"], "level": line.level,
                              "nodeId": line.node_id})


async def _event(
    row: dict[str, Any], kind: str, payload: dict[str, Any], stream: str | None = None
) -> None:
    _pending.get().append((stream or execution_stream(row["id"]), kind, payload))
