"""Recovering lost work, and pruning old executions.

PostgreSQL is the truth; Redis only carries jobs. A sweep re-dispatches, under a new
generation, every running execution whose lease expired (its worker died) and every pending
one whose job Redis no longer holds (lost enqueue, flushed or restarted Redis, or a job that
ended while the execution waited for a concurrency slot). Sweeps are safe to run from several
schedulers at once: each re-dispatch is conditional on the generation it saw.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from domain._sql import fetch
from domain.dispatch import job_held
from domain.leases import finish_execution, redispatch
from domain.recording import Fenced
from domain.settings import get_settings

BATCH = 500
log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    lost: int = 0  # running executions whose worker was lost, re-dispatched
    missing: int = 0  # pending executions whose job was missing, re-dispatched
    cancelled: int = 0  # cancel requested and the worker lost: ended as cancelled


async def sweep_once() -> SweepReport:
    report = SweepReport()
    expired = await fetch(
        "SELECT id, dispatch_generation, cancel_requested FROM execution"
        " WHERE status = 'running' AND lease_expires_at < now() ORDER BY id LIMIT $1", BATCH)
    for row in expired:
        if row["cancel_requested"]:
            try:
                await finish_execution(row["id"], row["dispatch_generation"], "cancelled",
                                       "cancelled; its worker was lost")
                report.cancelled += 1
            except Fenced:
                pass
        elif await redispatch(row["id"], row["dispatch_generation"],
                              "lease expired: the worker was lost; dispatched again"):
            report.lost += 1
    pending = await fetch(
        "SELECT id, dispatch_generation, queue_name FROM execution WHERE status = 'pending'"
        " AND created_at < now() - make_interval(secs => $1) ORDER BY id LIMIT $2",
        get_settings().dispatch_grace_seconds, BATCH)
    for row in pending:
        if await job_held(row["id"], row["dispatch_generation"], row["queue_name"]):
            continue
        if await redispatch(row["id"], row["dispatch_generation"],
                            "job missing from the queue; dispatched again"):
            report.missing += 1
    if report.lost or report.missing or report.cancelled:
        log.info("sweep: %s", report)
    return report


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
