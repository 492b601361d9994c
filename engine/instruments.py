"""The engine's metrics, moved from a few hooks in the runner, the node runner and the
scheduler (telemetry.metrics declares them)."""

from __future__ import annotations

from datetime import datetime

from domain.leases import Claimed
from domain.rows import FullExecutionRow
from domain.sweeps import SweepReport
from telemetry.metrics import (
    ATTEMPTS,
    EXECUTION_DURATION,
    EXECUTIONS_FINISHED,
    EXECUTIONS_STARTED,
    LEASE_TAKEOVERS,
    NODE_DURATION,
    NODE_RETRIES,
    NODE_RUNS,
    RETRIES,
    START_LATENCY,
    SWEEPER_RECOVERIES,
)


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def claimed(claim: Claimed) -> None:
    row = claim.execution
    ATTEMPTS.inc()
    if claim.retry:
        RETRIES.inc()
        return
    if claim.took_over:
        LEASE_TAKEOVERS.inc()
        return
    trigger = row.trigger_type
    EXECUTIONS_STARTED.labels(trigger).inc()
    latency = _seconds(row.created_at, row.started_at)
    if latency is not None:
        START_LATENCY.labels(trigger).observe(latency)


def finished(row: FullExecutionRow) -> None:
    """An execution a worker ended."""
    status = row.status
    EXECUTIONS_FINISHED.labels(status, row.trigger_type).inc()
    duration = _seconds(row.started_at, row.ended_at)
    if duration is not None:
        EXECUTION_DURATION.labels(status).observe(duration)


def node_tried(node_type: str, ok: bool, seconds: float) -> None:
    NODE_RUNS.labels(node_type, "completed" if ok else "failed").inc()
    NODE_DURATION.labels(node_type).observe(seconds)


def node_retried(node_type: str) -> None:
    NODE_RETRIES.labels(node_type).inc()


def swept(report: SweepReport) -> None:
    for action, count in vars(report).items():
        if count:
            SWEEPER_RECOVERIES.labels(action).inc(count)
