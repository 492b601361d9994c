"""Cron triggers: which slot of an active scheduled workflow is due, and firing it once.

A fired slot is a `schedule_slot` row, unique per (workflow, slot time), inserted in the same
transaction that creates its execution: when two schedulers run at once, exactly one insert
wins and only that one starts an execution.

Catch-up policy for missed slots (a scheduler that was down, or slow): on each tick only the
latest slot that is due is fired, and only if it lies within `schedule_catchup_seconds`
(setting FLOWPLANE_SCHEDULE_CATCHUP_SECONDS, default one hour) of now and after the slot fired
last and after the workflow last became active. Older missed slots are skipped, not replayed
one by one (like Kubernetes CronJob with a starting deadline, or Kestra without backfill).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from db.engine import engine
from domain._sql import fetch, fetch_one
from domain.executions import create_execution, dispatch
from domain.rows import ScheduledWorkflowRow
from domain.settings import get_settings
from telemetry.metrics import SCHEDULE_CAUGHT_UP, SCHEDULE_FIRES, SCHEDULE_LAG, SCHEDULE_MISSED
from telemetry.tracing import start_span

log = logging.getLogger(__name__)
# A slot fired more than this after its time was caught up (the scheduler was down or slow).
LATE_SECONDS = 5.0
MISSED_SCAN = 10_000


def latest_slot(cron: str, timezone: str, now: datetime) -> datetime:
    """The latest cron slot at or before `now`, evaluated in `timezone`, as UTC."""
    local = now.astimezone(ZoneInfo(timezone))
    probe = local + timedelta(microseconds=1)  # get_prev is strictly before its start
    previous: datetime = croniter(cron, probe).get_prev(datetime)
    return previous.astimezone(UTC)


def due_slot(
    trigger: dict[str, Any], now: datetime, last_fired: datetime | None,
    active_since: datetime | None, catchup_seconds: float,
) -> datetime | None:
    """The slot to fire now under the catch-up policy, or None (Any: trigger JSON)."""
    slot = latest_slot(str(trigger["cron"]), str(trigger.get("timezone") or "UTC"), now)
    if now - slot > timedelta(seconds=catchup_seconds):
        return None
    for bound in (last_fired, active_since):
        if bound is not None and slot <= bound:
            return None
    return slot


_SCHEDULED = """
SELECT w.id, w.trigger,
       (SELECT max(slot_at) FROM schedule_slot s WHERE s.workflow = w.id) AS last_fired,
       (SELECT max(created_at) FROM workflow_status_history h
         WHERE h.workflow = w.id AND h.to_status = 'active') AS active_since
FROM workflow w
WHERE w.status = 'active' AND w.trigger->>'type' = 'schedule'
"""


async def database_now() -> datetime:
    """The database clock: slots are judged by it, never by the scheduler's own clock."""
    row = await fetch_one("SELECT clock_timestamp() AS now")
    assert row is not None
    return row["now"]  # type: ignore[no-any-return]


async def fire_due_schedules(now: datetime | None = None) -> list[int]:
    """Fire every due slot (as of `now`, the database clock by default); returns the ids of
    the executions this call started."""
    now = now or await database_now()
    catchup = get_settings().schedule_catchup_seconds
    started: list[int] = []
    for workflow in map(ScheduledWorkflowRow.from_record, await fetch(_SCHEDULED)):
        trigger = workflow.trigger
        try:
            slot = due_slot(trigger, now, workflow.last_fired, workflow.active_since, catchup)
        except (KeyError, ValueError) as error:
            log.warning("workflow %s has an unusable schedule: %s", workflow.id, error)
            continue
        if slot is None:
            continue
        with start_span("schedule fire", {"flowplane.workflow.id": workflow.id}):
            execution_id = await fire_slot(workflow.id, slot)
        if execution_id is not None:
            started.append(execution_id)
            _count_fire(trigger, slot, now, workflow.last_fired, workflow.active_since)
    return started


def missed_slots(trigger: dict[str, Any], after: datetime | None, slot: datetime) -> int:
    """How many slots lie strictly between `after` (the last fired slot, or when the workflow
    became active) and the fired `slot`: skipped by the catch-up policy (at most
    MISSED_SCAN are counted; Any: trigger JSON)."""
    if after is None:
        return 0
    local = after.astimezone(ZoneInfo(str(trigger.get("timezone") or "UTC")))
    slots = croniter(str(trigger["cron"]), local)
    missed = 0
    while missed < MISSED_SCAN and slots.get_next(datetime).astimezone(UTC) < slot:
        missed += 1
    return missed


def _count_fire(trigger: dict[str, Any], slot: datetime, now: datetime,
                last_fired: datetime | None, active_since: datetime | None) -> None:
    lag = max(0.0, (now - slot).total_seconds())
    SCHEDULE_FIRES.inc()
    SCHEDULE_LAG.observe(lag)
    if lag > LATE_SECONDS:
        SCHEDULE_CAUGHT_UP.inc()
    bounds = [b for b in (last_fired, active_since) if b is not None]
    SCHEDULE_MISSED.inc(missed_slots(trigger, max(bounds) if bounds else None, slot))


async def fire_slot(workflow_id: int, slot: datetime) -> int | None:
    """Start the execution of one slot unless some scheduler already fired it."""
    async with engine().transaction():
        claimed = await fetch_one(
            "INSERT INTO schedule_slot (workflow, slot_at, fired_at)"
            " VALUES ($1, $2, clock_timestamp())"
            " ON CONFLICT (workflow, slot_at) DO NOTHING RETURNING id", workflow_id, slot)
        if claimed is None:
            return None
        row, _ = await create_execution(
            workflow_id, trigger_type="schedule", triggered_by=None,
            input={"scheduledAt": slot.isoformat()})
        await fetch("UPDATE schedule_slot SET execution = $2 WHERE id = $1",
                    claimed["id"], row.id)
    await dispatch(row)
    return row.id
