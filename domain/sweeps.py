"""Recovering abandoned work, clearing what dead workers left in Redis, pruning old rows.

PostgreSQL is the truth; Redis only carries jobs. The lease model (`domain.leases`) decides
what is abandoned, on the database clock: an execution dispatched more than the grace period
ago that no live lease covers. For each such execution the sweep asks Redis where its job is:
- waiting in its queue: it is only waiting its turn (a long queue is no fault); left alone;
- picked up by a worker but not claimed: the pick-up gets a lease of its own, so a live worker
  keeps it and a dead one's expires;
- nowhere (lost enqueue, Redis restarted empty), or picked up past that lease: dispatched
  again under a new generation, which fences the old job out.
An execution waiting between two attempts is left alone until its next attempt is due, then
dispatched the same way (`dispatch_due_retries`).
A cancel requested meanwhile ends it cancelled instead. Sweeps are safe to run from several
schedulers at once: every change is conditional on the generation it saw and on the lease,
evaluated by the database at the moment of the change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from db.engine import engine
from domain._sql import fetch
from domain.concurrency import enqueue_released, parked_workflows, release_parked
from domain.dispatch import (
    DEFAULT_QUEUE,
    discard_jobs,
    in_progress_head,
    job_state,
    parse_job_id,
    workflow_queue,
)
from domain.leases import end_abandoned, grant_pickup_lease, redispatch
from domain.recording import TERMINAL
from domain.rows import SweptRow
from domain.settings import get_settings

BATCH = 500
log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    lost: int = 0  # running executions whose worker was lost, re-dispatched
    missing: int = 0  # pending executions whose job was lost, re-dispatched
    cancelled: int = 0  # cancel requested and the worker lost: ended as cancelled
    picked_up: int = 0  # jobs picked up but not yet claimed, given a lease
    released: int = 0  # parked executions given a free concurrency slot
    retried: int = 0  # executions whose next attempt was due, dispatched
    discarded: int = 0  # leftover jobs of dead workers removed from Redis


_COLUMNS = """id, organization, status, dispatch_generation, queue_name, cancel_requested,
       attempt, lease_expires_at IS NOT NULL AS leased,
       dispatched_at < next_attempt_at AS retry_due"""
# An execution waiting for its next attempt is not abandoned before its due time.
_ABANDONED = f"""
SELECT {_COLUMNS}
FROM execution
WHERE status IN ('pending', 'running')
  AND dispatched_at < clock_timestamp() - make_interval(secs => $1)
  AND (lease_expires_at IS NULL OR lease_expires_at < clock_timestamp())
  AND (next_attempt_at IS NULL OR next_attempt_at <= clock_timestamp() OR cancel_requested)
ORDER BY id LIMIT $2
"""
# Due, and not dispatched since it became due (that dispatch's job may be lost: then it is
# abandoned like any other, after the grace period).
_DUE = f"""
SELECT {_COLUMNS}
FROM execution
WHERE status = 'running' AND next_attempt_at <= clock_timestamp()
  AND dispatched_at < next_attempt_at AND lease_expires_at IS NULL
ORDER BY next_attempt_at LIMIT $1
"""


async def sweep_once() -> SweepReport:
    report = SweepReport()
    rows = await fetch(_ABANDONED, get_settings().dispatch_grace_seconds, BATCH)
    for row in rows:
        await _recover(SweptRow.from_record(row), report)
    await _release(report)
    await _discard_leftovers(report)
    if any(vars(report).values()):
        log.info("sweep: %s", report)
    return report


async def dispatch_due_retries() -> int:
    """Dispatch the next attempt of every execution whose retry is due on the database
    clock; returns how many. Run by the scheduler every second, and by every sweep."""
    report = SweepReport()
    for row in await fetch(_DUE, BATCH):
        await _recover(SweptRow.from_record(row), report)
    return report.retried


async def _recover(row: SweptRow, report: SweepReport) -> None:
    execution_id, generation = row.id, row.dispatch_generation
    if row.cancel_requested:
        if await end_abandoned(execution_id, generation, "cancelled",
                               "cancelled; its worker was lost"):
            report.cancelled += 1
        return
    if row.retry_due:  # the job that ran the failed attempt is over: no state to ask
        report.retried += await redispatch(
            execution_id, generation, f"attempt {row.attempt + 1} is due", level="info")
        return
    where = await job_state(row.organization, execution_id, generation, row.queue_name)
    if where == "queued":
        return
    if where == "in_progress" and not row.leased:
        report.picked_up += await grant_pickup_lease(execution_id, generation)
        return
    lost = row.status == "running"
    reason = ("lease expired: the worker was lost; dispatched again" if lost
              else "its job was lost; dispatched again")
    if await redispatch(execution_id, generation, reason):
        if lost:
            report.lost += 1
        else:
            report.missing += 1


async def _release(report: SweepReport) -> None:
    for workflow_id in await parked_workflows():
        async with engine().transaction():
            released = await release_parked(workflow_id)
        await enqueue_released(released)
        report.released += len(released)


async def worker_queues() -> list[str]:
    """Every queue a worker may serve: the default one, the deployed workflows' own, and any
    an unfinished execution waits on."""
    active = await fetch("SELECT DISTINCT queue_name FROM execution"
                         " WHERE status IN ('pending', 'running')")
    deployed = await fetch(
        "SELECT id, organization FROM workflow WHERE deployment_phase IS NOT NULL")
    return sorted({DEFAULT_QUEUE, *(str(r["queue_name"]) for r in active),
                   *(workflow_queue(int(r["organization"]), int(r["id"])) for r in deployed)})


async def _discard_leftovers(report: SweepReport) -> None:
    """Remove jobs marked in progress whose execution is gone, finished or re-dispatched
    since: what a dead worker left behind. arq would keep them at the head of the queue for
    the job timeout, hiding every newer job from the workers' polls."""
    for queue in await worker_queues():
        marked = {value: parse_job_id(value) for value in await in_progress_head(queue)}
        ids = [parsed[0] for parsed in marked.values() if parsed is not None]
        if not ids:
            continue
        current = {int(r["id"]): (int(r["dispatch_generation"]), str(r["status"]))
                   for r in await fetch("SELECT id, dispatch_generation, status FROM execution"
                                        " WHERE id = ANY($1::int[])", ids)}
        stale = [value for value, parsed in marked.items() if parsed is not None
                 and _is_stale(parsed, current.get(parsed[0]))]
        await discard_jobs(queue, stale)
        report.discarded += len(stale)


def _is_stale(job: tuple[int, int], current: tuple[int, str] | None) -> bool:
    if current is None:
        return True
    generation, status = current
    return status in TERMINAL or generation != job[1]


async def prune_executions(older_than_days: float | None = None) -> int:
    """Delete finished executions that ended more than the retention period ago, with their
    spans, logs, summaries and events (by cascade). Returns how many were deleted."""
    days = get_settings().execution_retention_days if older_than_days is None else older_than_days
    deleted = 0
    while True:
        rows = await fetch(
            "DELETE FROM execution WHERE id IN (SELECT id FROM execution"
            " WHERE status IN ('completed', 'failed', 'cancelled')"
            " AND ended_at < now() - make_interval(secs => $1) LIMIT $2) RETURNING id",
            float(days) * 86400, BATCH)
        deleted += len(rows)
        if len(rows) < BATCH:
            return deleted
