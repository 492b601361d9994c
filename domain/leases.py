"""A worker's hold on an execution: claim it, renew its lease, finish it, hand it back.

Every write is fenced by the dispatch generation of the worker's job. `settings.concurrency`
is enforced at claim time under a per-workflow advisory lock: an execution is admitted only
while fewer than `concurrency` run and no older one of the workflow waits; otherwise it stays
`pending` and the execution that frees a slot re-dispatches the oldest waiting one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from db.engine import engine, side_pool
from domain._sql import fetch, fetch_one
from domain.dispatch import enqueue_execution, queue_for
from domain.recording import (
    TERMINAL,
    Fenced,
    LogLine,
    SpanClose,
    SpanDone,
    SpanOpen,
    StatusChange,
    record,
)
from domain.settings import get_settings

_LOCK_SPACE = 0x45584543  # "EXEC": advisory locks per workflow id


@dataclass(frozen=True)
class Claimed:
    execution: dict[str, Any]  # Any: column values.
    span_id: int  # the execution's root span
    attempt_span_id: int  # the span of the attempt this claim starts
    attempt: int


LeaseState = Literal["held", "cancel", "lost"]


def _lease() -> float:
    return get_settings().execution_lease_seconds


async def claim_execution(execution_id: int, generation: int, worker_id: str) -> Claimed | None:
    """Mark the execution running for this worker, or None when there is nothing to run
    (stale generation, finished, cancelled before start, or waiting for a concurrency slot)."""
    async with engine().transaction():
        try:
            locked = await record(execution_id, generation=generation, full_row=True)
        except Fenced:
            return None
        row = locked.execution
        if row["status"] in TERMINAL:
            return None
        if row["cancel_requested"]:
            await record(execution_id, status=StatusChange("cancelled", "cancelled"), locked=row)
            return None
        if row["status"] == "pending" and not await _admitted(row):
            return None
        attempt = max(1, row["attempt"])  # a takeover resumes the attempt it found
        lease = datetime.now(UTC) + timedelta(seconds=_lease())
        fields = {"worker_id": worker_id, "attempt": attempt, "lease_expires_at": lease}
        spans = [SpanOpen("execution"), SpanOpen("attempt", parent_opened=0, attempt=attempt)]
        # A takeover from a lost worker keeps the root span the first claim opened.
        root = await _take_over(row) if row["status"] == "running" else None
        if root is not None:
            spans = [SpanOpen("attempt", root, attempt=attempt)]
        claimed = await record(execution_id, status=StatusChange("running", row["error"], fields),
                               open_spans=spans, locked=row)
        span_id = claimed.span_ids[0] if root is None else root
    return Claimed(claimed.execution, span_id, claimed.span_ids[-1], attempt)


async def _open_spans(execution_id: int, status: str, error: str | None) -> list[SpanClose]:
    """Closes for the spans still running, with the execution's final status: the root, the
    last attempt, and nodes cut short by a cancel or a timeout."""
    rows = await fetch(
        "SELECT id, kind FROM execution_span WHERE execution = $1 AND status = 'running'"
        " ORDER BY id DESC", execution_id)
    return [SpanClose(r["id"], status, error=error) for r in rows]


async def _take_over(row: dict[str, Any]) -> int | None:
    """Close the spans a lost worker left running; returns the root span's id."""
    spans = await fetch("SELECT id, kind FROM execution_span WHERE execution = $1"
                        " AND (kind = 'execution' OR status = 'running')", row["id"])
    stale = [SpanClose(s["id"], "lost", error="the worker running it was lost")
             for s in spans if s["kind"] != "execution"]
    if stale:
        await record(row["id"], close_spans=stale, locked=row)
    return next((int(s["id"]) for s in spans if s["kind"] == "execution"), None)


def _concurrency(row: dict[str, Any]) -> int | None:
    value = (row["definition"].get("settings") or {}).get("concurrency")
    return int(value) if value else None


async def _admitted(row: dict[str, Any]) -> bool:
    limit = _concurrency(row)
    if limit is None:
        return True
    await fetch("SELECT pg_advisory_xact_lock($1, $2)", _LOCK_SPACE, row["workflow"])
    counts = await fetch_one(
        "SELECT count(*) FILTER (WHERE status = 'running') AS running,"
        " count(*) FILTER (WHERE status = 'pending' AND id < $2) AS older"
        " FROM execution WHERE workflow = $1 AND status IN ('pending', 'running')",
        row["workflow"], row["id"])
    assert counts is not None
    return bool(counts["running"] < limit and counts["older"] == 0)


async def renew_lease(execution_id: int, generation: int) -> LeaseState:
    """Extend the lease, through the side pool so a busy worker's renewals never queue
    behind its jobs' writes."""
    pool = await side_pool()
    row = await pool.fetchrow(
        "UPDATE execution SET lease_expires_at = now() + make_interval(secs => $3)"
        " WHERE id = $1 AND dispatch_generation = $2 AND status = 'running'"
        " RETURNING cancel_requested",
        execution_id, generation, _lease())
    if row is None:
        return "lost"
    return "cancel" if row["cancel_requested"] else "held"


async def finish_execution(
    execution_id: int,
    generation: int,
    status: str,
    error: str | None,
    logs: Sequence[LogLine] = (),
    done_spans: Sequence[SpanDone] = (),
    outputs: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """End the execution (completed, failed or cancelled), closing its root span and any span
    still open, and, when it held a concurrency slot, re-dispatch the oldest waiting execution
    of its workflow after commit."""
    async with engine().transaction():
        locked = await record(execution_id, generation=generation)  # fence first
        closes = await _open_spans(execution_id, status, error)
        done = await record(execution_id, status=StatusChange(status, error),
                            close_spans=closes, logs=logs, locked=locked.execution,
                            done_spans=done_spans, outputs=outputs)
        row = done.execution
        released = await _release_waiting(row) if _concurrency(row) else []
    for waiting in released:
        await enqueue_execution(waiting["id"], waiting["dispatch_generation"],
                                waiting["queue_name"])
    return row


async def _release_waiting(row: dict[str, Any]) -> list[dict[str, Any]]:
    limit = _concurrency(row) or 0
    await fetch("SELECT pg_advisory_xact_lock($1, $2)", _LOCK_SPACE, row["workflow"])
    return await fetch(
        "UPDATE execution SET dispatch_generation = dispatch_generation + 1 WHERE id IN ("
        " SELECT id FROM execution WHERE workflow = $1 AND status = 'pending'"
        " ORDER BY id LIMIT greatest(0, $2 - (SELECT count(*) FROM execution"
        "  WHERE workflow = $1 AND status = 'running')))"
        " RETURNING id, dispatch_generation, queue_name",
        row["workflow"], limit)


async def redispatch(execution_id: int, generation: int, reason: str) -> bool:
    """Dispatch the execution again under a new generation (fencing out the old job), unless
    someone else already did. Enqueues after commit."""
    async with engine().transaction():
        workflow = await fetch_one(
            "SELECT w.id, w.deployment_phase FROM workflow w JOIN execution e"
            " ON e.workflow = w.id WHERE e.id = $1", execution_id)
        if workflow is None:
            return False
        row = await fetch_one(
            "UPDATE execution SET dispatch_generation = dispatch_generation + 1,"
            " queue_name = $3, worker_id = NULL, lease_expires_at = CASE WHEN status = 'running'"
            " THEN now() + make_interval(secs => $4) END"
            " WHERE id = $1 AND dispatch_generation = $2 AND status IN ('pending', 'running')"
            " RETURNING dispatch_generation, queue_name",
            execution_id, generation, queue_for(workflow), _lease())
        if row is None:
            return False
        await record(execution_id, logs=[LogLine(reason, level="warning")])
    assert row is not None
    await enqueue_execution(execution_id, row["dispatch_generation"], row["queue_name"])
    return True
