"""`flowplane scheduler`: one process that fires cron triggers, dispatches due retries, sweeps
lost work, prunes old executions, restores forgotten Redis ACL users and samples the gauges
of queues and deployments, each on its own loop. Several may run at once: slots are fired once
(`schedule_slot`), and sweeps are conditional on the generation they saw."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from domain.deployment_phases import (
    reconcile_deployment_phases,
    reconcile_progressing_phases,
    watch_deployment_phases,
)
from domain.event_log import prune_events
from domain.execution_counts import fold_execution_counts
from domain.redeploys import reconcile_builds_and_redeploy
from domain.samples import sample_gauges
from domain.schedules import fire_due_schedules
from domain.settings import get_settings
from domain.sweeps import dispatch_due_retries, prune_executions, sweep_once
from domain.worker_credentials import restore_acl_users
from engine import instruments

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0
RETENTION_INTERVAL_SECONDS = 3600.0


async def every(seconds: float, step: Callable[[], Awaitable[Any]], name: str) -> None:
    """Run `step` every `seconds` forever; a failing step is logged and tried again."""
    while True:
        try:
            await step()
        except Exception:  # keep the loop alive through database or Redis outages
            log.exception("%s failed", name)
        await asyncio.sleep(seconds)


async def sweep() -> None:
    instruments.swept(await sweep_once())


async def run_scheduler() -> None:
    settings = get_settings()
    await asyncio.gather(
        every(TICK_SECONDS, fire_due_schedules, "schedule tick"),
        every(settings.sweep_interval_seconds, sweep, "sweep"),
        every(TICK_SECONDS, dispatch_due_retries, "due retries"),
        every(RETENTION_INTERVAL_SECONDS, prune_executions, "execution retention"),
        every(RETENTION_INTERVAL_SECONDS, prune_events, "event retention"),
        every(RETENTION_INTERVAL_SECONDS, fold_execution_counts, "execution count shards"),
        every(TICK_SECONDS, watch_deployment_phases, "deployment watch"),  # restarts it
        every(TICK_SECONDS, reconcile_progressing_phases, "progressing deployments"),
        every(settings.deployment_resync_seconds, reconcile_deployment_phases,
              "deployment phases"),
        every(TICK_SECONDS * 5, reconcile_builds_and_redeploy, "environment builds"),
        # A Redis restarted without an ACL file forgot the organizations' worker users.
        every(settings.sweep_interval_seconds, restore_acl_users, "redis acl users"),
        every(settings.metrics_sample_seconds, sample_gauges, "metrics samples"),
    )
