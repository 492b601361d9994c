"""Runs one dispatched execution: claim it, resolve its services, run attempts with backoff
until one succeeds or `maxAttempts` is spent, and finish it. A heartbeat renews the lease;
when it finds a cancel request (or that another generation took over) it stops the run.

Crash safety lives in PostgreSQL: completed node results are kept on the execution, so an
execution re-dispatched after its worker died resumes from its last completed nodes.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from domain.leases import Claimed, claim_execution, finish_execution, renew_lease
from domain.recording import Fenced, StatusChange
from domain.services import UnresolvedReference, build_services, services_from_env
from domain.settings import get_settings
from engine.attempt import AttemptResult, AttemptRun
from engine.errors import PermanentError
from engine.journal import Journal
from engine.node_run import NodeRunner, backoff
from engine.plan import Plan

log = logging.getLogger(__name__)


class _Stop(Exception):
    """The heartbeat stopped the run: `reason` is 'cancel' or 'lost'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def run_execution(execution_id: int, generation: int, worker_id: str) -> str:
    """Run the execution if this job still holds it; returns what happened (for arq)."""
    claimed = await claim_execution(execution_id, generation, worker_id)
    if claimed is None:
        return "not claimed"
    journal = Journal(execution_id, generation)
    stop: list[str] = []
    task = asyncio.current_task()
    assert task is not None
    beat = asyncio.create_task(_heartbeat(execution_id, generation, task, stop))
    try:
        status, error = await _run_claimed(claimed, journal)
    except Fenced:  # a newer generation took the execution over while this one ran
        return "lost to a newer generation"
    except asyncio.CancelledError:
        if not stop:
            raise  # the worker is shutting down: the lease expires, the sweeper re-dispatches
        task.uncancel()
        if stop[0] == "lost":
            return "lost to a newer generation"
        status, error = "cancelled", "cancelled on request"
    finally:
        beat.cancel()
    if stop and task.cancelling():  # the heartbeat fired just as the run ended
        task.uncancel()
    try:
        spans, outputs = journal.take()
        await finish_execution(execution_id, generation, status, error,
                               done_spans=spans, outputs=outputs)
    except Fenced:
        return "lost to a newer generation"
    return status


async def _heartbeat(execution_id: int, generation: int, task: asyncio.Task[Any],
                     stop: list[str]) -> None:
    interval = get_settings().execution_lease_seconds / 3
    while True:
        await asyncio.sleep(interval)
        try:
            state = await renew_lease(execution_id, generation)
        except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError) as error:
            # the database is away: keep running, try again
            log.warning("lease renewal of execution %s failed: %s", execution_id, error)
            continue
        if state != "held":
            stop.append(state)
            task.cancel()
            return


def _deadline(row: dict[str, Any]) -> float | None:
    """Seconds left of the execution's `timeoutSeconds`, counted from its first start."""
    limit = (row["definition"].get("settings") or {}).get("timeoutSeconds")
    if not limit:
        return None
    started: datetime = row["started_at"] or datetime.now(UTC)
    left = started + timedelta(seconds=float(limit)) - datetime.now(UTC)
    return max(0.0, left.total_seconds())


async def _run_claimed(claimed: Claimed, journal: Journal) -> tuple[str, str | None]:
    row = claimed.execution
    try:
        plan = Plan.from_definition(row["definition"])
        services = services_from_env(row["workflow"]) or await build_services(
            row["organization"], list(plan.nodes.values()))
    except (PermanentError, UnresolvedReference) as error:
        await journal.log(f"failed before the first attempt: {error}", "error")
        return "failed", str(error)
    deadline = _deadline(row)
    try:
        async with asyncio.timeout(deadline):
            return await _attempts(claimed, journal, plan, services)
    except TimeoutError:
        return "failed", f"execution timed out after {plan.settings.get('timeoutSeconds')} s"


async def _attempts(claimed: Claimed, journal: Journal, plan: Plan,
                    services: dict[str, Any]) -> tuple[str, str | None]:
    row = claimed.execution
    node_timeout = plan.settings.get("nodeTimeoutSeconds")
    runner = NodeRunner(journal, services, row["id"],
                        float(node_timeout) if node_timeout else None)
    base = float(plan.settings.get("retryBackoffSeconds", 1.0))
    attempt, span = claimed.attempt, claimed.attempt_span_id
    recorded = dict(row["outputs"])
    while True:
        scope = {"input": row["input"], "execution": {"id": row["id"], "attempt": attempt}}
        run = AttemptRun.start(plan, runner, span, scope, plan.reusable(recorded))
        result: AttemptResult = await run.run()
        # The last attempt's span is closed with the execution, in the same write.
        if result.error is None:
            return "completed", None
        if result.permanent or attempt >= row["max_attempts"]:
            return "failed", result.error
        delay = backoff(base, attempt)
        retry_at = datetime.now(UTC) + timedelta(seconds=delay)
        await journal.close(span, "failed", error=result.error, logs=[(
            "warning", f"attempt {attempt} failed: {result.error}; retrying in {delay:.1f} s")],
            change=StatusChange("running", result.error, {"next_attempt_at": retry_at}))
        await asyncio.sleep(delay)
        recorded = {k: {"output": v["output"], "outcome": v["outcome"]}
                    for k, v in run.scope["nodes"].items()}
        attempt += 1
        span = await journal.open("attempt", claimed.span_id, attempt=attempt,
                                  status=StatusChange("running", fields={"attempt": attempt}))
