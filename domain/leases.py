"""A worker's hold on an execution: claim it, renew its lease, finish it; and handing back
what nobody holds.

The lease model, on the database clock alone: a worker holds an execution while its lease
(`lease_expires_at`) lies in the future. The claim takes a lease, the heartbeat renews it,
the end clears it. Every write of the worker is fenced by the dispatch generation of its job,
so once an execution was dispatched again, the old job can neither claim nor write.
`redispatch` takes only what no live lease covers: pending or running, with no lease or an
expired one. A job picked up but not yet claimed has no lease yet; the sweeper gives it one
(`grant_pickup_lease`) instead of taking it, so a healthy worker's pick-up is never taken.
Between two attempts an execution stays running with no lease and the due time of its next
attempt (`next_attempt_at`, on the database clock): no worker waits for it, the sweeper
dispatches it once it is due, and the claim of that dispatch starts the next attempt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from db.engine import engine, side_pool
from domain._sql import fetch, fetch_one
from domain.concurrency import admit, enqueue_released, limit_of, release_parked
from domain.dispatch import discard_jobs, enqueue_dispatched, job_id, queue_for
from domain.recording import (
    TERMINAL,
    Fenced,
    Later,
    LogLine,
    Outputs,
    Recorded,
    SpanClose,
    SpanDone,
    SpanOpen,
    StatusChange,
    lock,
    record,
)
from domain.rows import DispatchedRow, FullExecutionRow
from domain.settings import get_settings


@dataclass(frozen=True)
class Claimed:
    execution: FullExecutionRow
    span_id: int  # the execution's root span
    attempt_span_id: int  # the span of the attempt this claim starts
    attempt: int
    # Seconds left of the execution's `timeoutSeconds` (None without one), on the database
    # clock: counted from its first start, as of the claim.
    time_left: float | None
    took_over: bool = False  # from a worker that lost it, rather than a first start
    retry: bool = False  # the next attempt after a failed one
    organization_slug: str | None = None


LeaseState = Literal["held", "cancel", "lost"]
# Nobody holds the execution: no lease, or one that expired. Evaluated by the database.
_UNHELD = "(lease_expires_at IS NULL OR lease_expires_at < clock_timestamp())"


def _lease() -> float:
    return get_settings().execution_lease_seconds


def _time_left(row: FullExecutionRow, at: datetime) -> float | None:
    limit = (row.definition.get("settings") or {}).get("timeoutSeconds")
    if not limit or row.started_at is None:
        return None
    return max(0.0, float(limit) - (at - row.started_at).total_seconds())


async def claim_execution(execution_id: int, generation: int, worker_id: str) -> Claimed | None:
    """Mark the execution running for this worker, or None when there is nothing to run
    (stale generation, finished, cancelled before start, or parked for a concurrency slot)."""
    async with engine().transaction():
        try:
            locked = await lock(execution_id, generation=generation, full_row=True)
        except Fenced:
            return None
        row = locked.full_row
        if row.status in TERMINAL:
            return None
        if row.cancel_requested:
            await record(locked, StatusChange("cancelled", "cancelled"),
                         *await open_span_closes(execution_id, "cancelled", "cancelled"))
            return None
        if row.status == "pending" and not await admit(row):
            return None
        # The next attempt after a failed one, or a takeover resuming the attempt it found.
        retry = row.status == "running" and row.next_attempt_at is not None
        attempt = row.attempt + 1 if retry else max(1, row.attempt)
        fields = {"worker_id": worker_id, "attempt": attempt, "lease_expires_at": Later(_lease()),
                  "next_attempt_at": None}
        spans = [SpanOpen("execution"), SpanOpen("attempt", parent_opened=0, attempt=attempt)]
        # A later attempt keeps the root span the first claim opened.
        root = await _take_over(locked, retry) if row.status == "running" else None
        if root is not None:
            spans = [SpanOpen("attempt", root, attempt=attempt)]
        claimed = await record(locked, StatusChange("running", row.error, fields), *spans)
        span_id = claimed.span_ids[0] if root is None else root
        # Read here, in the claim's transaction: the run needs it for its services and egress.
        org = await fetch_one("SELECT slug FROM organization WHERE id = $1", row.organization)
    return Claimed(claimed.full_row, span_id, claimed.span_ids[-1], attempt,
                   _time_left(claimed.full_row, claimed.at),
                   took_over=root is not None and not retry, retry=retry,
                   organization_slug=None if org is None else str(org["slug"]))


async def open_span_closes(execution_id: int, status: str, error: str | None) -> list[SpanClose]:
    """Closes for the spans still running, children before parents, with the execution's
    final status: the root, the last attempt, and nodes cut short by a cancel or a timeout."""
    rows = await fetch(
        "SELECT id FROM execution_span WHERE execution = $1 AND status = 'running'"
        " ORDER BY id DESC", execution_id)
    return [SpanClose(r["id"], status, error=error) for r in rows]


async def _take_over(locked: Recorded, retry: bool) -> int | None:
    """Close the spans an earlier attempt left running (a lost worker's, or nodes cut short
    by their attempt's failure); returns the root span's id."""
    spans = await fetch("SELECT id, kind FROM execution_span WHERE execution = $1"
                        " AND (kind = 'execution' OR status = 'running') ORDER BY id DESC",
                        locked.execution.id)
    status, error = (("cancelled", "cut short: its attempt failed") if retry
                     else ("lost", "the worker running it was lost"))
    stale = [SpanClose(s["id"], status, error=error) for s in spans if s["kind"] != "execution"]
    if stale:
        await record(locked, *stale)
    return next((int(s["id"]) for s in spans if s["kind"] == "execution"), None)


async def renew_lease(execution_id: int, generation: int) -> LeaseState:
    """Extend the lease, through the side pool so a busy worker's renewals never queue
    behind its jobs' writes."""
    pool = await side_pool()
    row = await pool.fetchrow(
        "UPDATE execution SET lease_expires_at = clock_timestamp() + make_interval(secs => $3)"
        " WHERE id = $1 AND dispatch_generation = $2 AND status = 'running'"
        " AND next_attempt_at IS NULL RETURNING cancel_requested",
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
    running_spans: Sequence[int] | None = None,
) -> FullExecutionRow:
    """End the execution (completed, failed or cancelled), closing its root span and any span
    still open, and release parked executions of its workflow after commit. A requested
    cancel wins over any other ending: a cancelled execution never ends completed.
    `running_spans` are the ids of the spans still open, children first, when the caller
    knows them all (saves reading them)."""
    async with engine().transaction():
        # Fence first; the lock's statement writes the outputs too.
        locked = await record(execution_id, Outputs(outputs or {}), generation=generation)
        logs = list(logs)
        if locked.execution.cancel_requested and status != "cancelled":
            logs.append(LogLine(f"cancel requested: ending cancelled, not {status}", "warning"))
            status, error = "cancelled", "cancelled on request"
        closes = (await open_span_closes(execution_id, status, error) if running_spans is None
                  else [SpanClose(span_id, status, error=error) for span_id in running_spans])
        done = await record(locked, StatusChange(status, error), *closes, *logs, *done_spans)
        row = done.full_row
        released = await release_parked(row.workflow) if limit_of(row) else []
    await enqueue_released(released)
    return row


async def grant_pickup_lease(execution_id: int, generation: int) -> bool:
    """Give an execution whose job a worker picked up (arq's in-progress marker) but did not
    claim yet one lease period to claim it in. A live worker claims within milliseconds; a
    dead one's pick-up then expires like any lease."""
    rows = await fetch(
        "UPDATE execution SET lease_expires_at = clock_timestamp() + make_interval(secs => $3)"
        " WHERE id = $1 AND dispatch_generation = $2 AND status IN ('pending', 'running')"
        " AND lease_expires_at IS NULL RETURNING id", execution_id, generation, _lease())
    return bool(rows)


async def _take_back(execution_id: int, generation: int) -> tuple[DispatchedRow, str] | None:
    """A new generation for an execution nobody holds (fencing out the old job), on its
    workflow's current queue, and the queue of the old job; None when it is held, finished or
    already taken back."""
    current = await fetch_one(
        "SELECT w.id, w.organization, w.deployment_phase, e.queue_name FROM workflow w"
        " JOIN execution e"
        " ON e.workflow = w.id WHERE e.id = $1", execution_id)
    if current is None:
        return None
    row = await fetch_one(
        "UPDATE execution SET dispatch_generation = dispatch_generation + 1,"
        " queue_name = $3, worker_id = NULL, lease_expires_at = NULL,"
        " dispatched_at = clock_timestamp()"
        " WHERE id = $1 AND dispatch_generation = $2 AND status IN ('pending', 'running')"
        f" AND dispatched_at IS NOT NULL AND {_UNHELD}"
        f" RETURNING {', '.join(DispatchedRow.columns())}",
        execution_id, generation, queue_for(int(current["organization"]), int(current["id"]),
                                                    current["deployment_phase"]))
    return None if row is None else (DispatchedRow.from_record(row), str(current["queue_name"]))


async def redispatch(execution_id: int, generation: int, reason: str,
                     level: str = "warning") -> bool:
    """Dispatch the execution again under a new generation, if nobody holds it (no live
    lease) and nobody did so already; a parked execution is left to its release. Discards
    the old generation's job and enqueues the new one after commit."""
    async with engine().transaction():
        taken = await _take_back(execution_id, generation)
        if taken is None:
            return False
        await record(execution_id, LogLine(reason, level=level))
    assert taken is not None
    row, old_queue = taken
    await discard_jobs(old_queue, [job_id(row.organization, execution_id, generation)])
    await enqueue_dispatched(row)
    return True


async def end_abandoned(execution_id: int, generation: int, status: str, error: str) -> bool:
    """End an execution nobody holds (a cancel requested while its worker was lost) without
    running it again: take it back under a new generation first, so a worker that only
    seemed lost is fenced out, then finish it."""
    async with engine().transaction():
        taken = await _take_back(execution_id, generation)
    if taken is None:
        return False
    row, old_queue = taken
    await discard_jobs(old_queue, [job_id(row.organization, execution_id, generation)])
    try:
        await finish_execution(execution_id, row.dispatch_generation, status, error)
    except Fenced:
        return False
    return True
