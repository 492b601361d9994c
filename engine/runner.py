"""Runs one dispatched execution: claim it, resolve its services, run its attempt, and finish
it, or, when the attempt failed with attempts left, hand it back with the due time of the
next one (which the scheduler dispatches as a job of its own). A heartbeat renews the lease.

A run stops early for three reasons, each at once: a cancel announced on commit (the worker
listens), a cancel found by one of the run's own writes, or a heartbeat that finds the lease
lost to a newer generation. The run's body is a task of its own, so stopping it never touches
the arq job's task, which ends the execution.

Crash safety lives in PostgreSQL: completed node results are kept on the execution, so an
execution re-dispatched after its worker died resumes from its last completed nodes. Every
time that matters comes from the database: the lease, the time left of `timeoutSeconds`
(counted on the database clock at claim, then on the monotonic clock), retry times.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg

from domain import cancel_signals
from domain.egress import EgressPolicy, InvalidEgressAllow, egress_policy
from domain.leases import Claimed, claim_execution, finish_execution, renew_lease
from domain.recording import Fenced, Later, StatusChange
from domain.services import (
    UnresolvedReference,
    build_services,
    secret_values,
    services_from_env,
)
from domain.settings import get_settings
from engine import instruments, traces
from engine.attempt import AttemptResult, AttemptRun
from engine.errors import PermanentError
from engine.journal import CancelRequested, Journal
from engine.node_run import NodeRunner, backoff
from engine.plan import Plan
from telemetry.logs import log_context

log = logging.getLogger(__name__)
LOST = "lost to a newer generation"
WAITING = "waiting for its next attempt"


class _Stopper:
    """Stops the run's body for a reason ('cancel' or 'lost'); a request that comes before
    the body starts stops it as soon as it does."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self._body: asyncio.Task[Any] | None = None

    def request(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
            if self._body is not None:
                self._body.cancel()

    def attach(self, body: asyncio.Task[Any]) -> None:
        self._body = body
        if self.reason is not None:
            body.cancel()


async def run_execution(execution_id: int, generation: int, worker_id: str,
                        organization_id: int) -> str:
    """Run the execution (of `organization_id`) if this job still holds it; returns what
    happened (for arq)."""
    stopper = _Stopper()
    # Watch before claiming: a cancel committed after the claim read the row is not missed.
    unwatch = await cancel_signals.listener().watch(
        organization_id, execution_id, lambda: stopper.request("cancel"))
    try:
        claimed = await claim_execution(execution_id, generation, worker_id)
        if claimed is None:
            return "not claimed"
        row = claimed.execution
        instruments.claimed(claimed)
        with log_context(execution=execution_id, organization=row.organization,
                         workflow=row.workflow):
            log.info("execution %s started (attempt %s)", execution_id, claimed.attempt)
            ended = await _run(claimed, Journal(execution_id, generation), stopper)
            log.info("execution %s ended: %s", execution_id, ended)
            return ended
    finally:
        unwatch()


async def _run(claimed: Claimed, journal: Journal, stopper: _Stopper) -> str:
    execution_id, generation = journal.execution_id, journal.generation
    beat = asyncio.create_task(_heartbeat(execution_id, generation, stopper))
    body = asyncio.create_task(_run_claimed(claimed, journal))
    stopper.attach(body)
    try:
        status, error = await body
    except Fenced:  # a newer generation took the execution over while this one ran
        return LOST
    except CancelRequested:
        status, error = "cancelled", "cancelled on request"
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # the worker is shutting down: the lease expires, the sweeper re-dispatches
        if stopper.reason == "lost":
            return LOST
        status, error = "cancelled", "cancelled on request"
    finally:
        beat.cancel()
    if status == WAITING:  # the failed attempt's write ended this job's part
        return WAITING
    try:
        spans, outputs = journal.take()
        # A run that completed was never cut short, so it knows every span still open: its
        # own, the attempt's and the root. Any other ending reads them from the database.
        running = ([*journal.still_open(), claimed.attempt_span_id, claimed.span_id]
                   if status == "completed" else None)
        ended = await finish_execution(execution_id, generation, status, journal.masked(error),
                                       done_spans=spans, outputs=outputs, running_spans=running)
    except Fenced:
        return LOST
    instruments.finished(ended)
    traces.export_soon(ended)
    return status


async def _heartbeat(execution_id: int, generation: int, stopper: _Stopper) -> None:
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
            stopper.request(state)
            return


async def _run_claimed(claimed: Claimed, journal: Journal) -> tuple[str, str | None]:
    row = claimed.execution
    try:
        plan = Plan.from_definition(row.definition)
        slug = claimed.organization_slug
        services = services_from_env(row.workflow) or await build_services(
            row.organization, list(plan.nodes.values()), slug=slug)
        journal.hide(secret_values(services))
        egress = egress_policy(slug)
    except (PermanentError, UnresolvedReference, InvalidEgressAllow) as error:
        await journal.log(f"failed before the first attempt: {error}", "error")
        return "failed", str(error)
    try:
        async with asyncio.timeout(claimed.time_left):
            return await _attempt(claimed, journal, plan, services, egress)
    except TimeoutError:
        return "failed", f"execution timed out after {plan.settings.get('timeoutSeconds')} s"


async def _attempt(claimed: Claimed, journal: Journal, plan: Plan,
                    services: dict[str, Any], egress: EgressPolicy) -> tuple[str, str | None]:
    row = claimed.execution
    node_timeout = plan.settings.get("nodeTimeoutSeconds")
    runner = NodeRunner(journal, services, row.id,
                        float(node_timeout) if node_timeout else None, egress=egress,
                        trace_id=row.trace_id)
    base = float(plan.settings.get("retryBackoffSeconds", 1.0))
    attempt, span = claimed.attempt, claimed.attempt_span_id
    scope = {"input": row.input, "execution": {
        "id": row.id, "attempt": attempt, "workflowId": row.workflow}}
    # Results an earlier attempt (or a lost worker) recorded are kept where their inputs are.
    run = AttemptRun.start(plan, runner, span, scope, plan.reusable(row.outputs))
    result: AttemptResult = await run.run()
    # The last attempt's span is closed with the execution, in the same write.
    if result.error is None:
        return "completed", None
    if result.permanent or attempt >= row.max_attempts:
        return "failed", result.error
    delay = backoff(base, attempt)
    # The wait holds no worker slot: this write hands the execution back with its due time on
    # the database clock, and the scheduler dispatches the next attempt then (domain.sweeps).
    await journal.close(span, "failed", error=result.error, logs=[(
        "warning", f"attempt {attempt} failed: {result.error}; retrying in {delay:.1f} s")],
        change=StatusChange("running", result.error, {
            "next_attempt_at": Later(delay), "worker_id": None, "lease_expires_at": None}))
    return WAITING, None
