"""Cron triggers: slots in time zones, the catch-up policy, firing each slot once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from domain._sql import fetch
from domain.schedules import due_slot, fire_due_schedules, latest_slot
from tests.factory import Factory

HOURLY = {"type": "schedule", "cron": "0 * * * *", "timezone": "UTC"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("cron", "zone", "now", "slot"), [
    ("0 6 * * *", "Europe/Berlin", "2026-07-01T05:00:00", "2026-07-01T04:00:00"),  # CEST
    ("0 6 * * *", "Europe/Berlin", "2026-12-01T05:30:00", "2026-12-01T05:00:00"),  # CET
    ("*/15 * * * *", "UTC", "2026-07-01T10:44:59", "2026-07-01T10:30:00"),
    ("0 * * * *", "UTC", "2026-07-01T10:00:00", "2026-07-01T10:00:00"),  # exactly on a slot
])
def test_latest_slot_in_time_zone(cron: str, zone: str, now: str, slot: str) -> None:
    assert latest_slot(cron, zone, at(now)) == at(slot)


def test_missed_slots_fire_only_the_latest_within_the_catchup_window() -> None:
    now = at("2026-07-01T10:20:00")
    # down since 07:10: slots 08:00, 09:00, 10:00 missed; only 10:00 fires
    assert due_slot(HOURLY, now, at("2026-07-01T07:00:00"), None, 3600) == at("2026-07-01T10:00:00")
    # 10:00 is 20 minutes old, outside a 10-minute window: nothing fires
    assert due_slot(HOURLY, now, None, None, 600) is None
    # already fired, or activated after the slot: nothing fires
    assert due_slot(HOURLY, now, at("2026-07-01T10:00:00"), None, 3600) is None
    assert due_slot(HOURLY, now, None, at("2026-07-01T10:05:00"), 3600) is None


async def _scheduled(factory: Factory, status: str = "active") -> dict[str, object]:
    org = await factory.org()
    user = await factory.user(org=org)
    return await factory.workflow(org, user, status=status,
                                  trigger={"type": "schedule", "cron": "* * * * *"})


async def test_due_slot_fires_once_even_with_two_schedulers(factory: Factory) -> None:
    wf = await _scheduled(factory)
    await _scheduled(factory, status="draft")
    now = datetime.now(UTC).replace(second=30)  # a second later is still the same slot
    first, second = await asyncio.gather(fire_due_schedules(now), fire_due_schedules(now))
    assert len(first) + len(second) == 1
    assert await fire_due_schedules(now + timedelta(seconds=1)) == []
    executions = await fetch("SELECT workflow, trigger_type, input FROM execution")
    assert len(executions) == 1
    assert (executions[0]["workflow"], executions[0]["trigger_type"]) == (wf["id"], "schedule")
    slots = await fetch("SELECT execution FROM schedule_slot")
    assert [s["execution"] for s in slots] == [*first, *second]


async def test_next_slot_fires_again(factory: Factory) -> None:
    await _scheduled(factory)
    now = datetime.now(UTC)
    assert len(await fire_due_schedules(now)) == 1
    assert len(await fire_due_schedules(now + timedelta(minutes=1))) == 1
