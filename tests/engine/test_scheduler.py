"""The scheduler applies retention by itself: events older than
FLOWPLANE_EVENT_RETENTION_HOURS and executions that ended longer ago than
FLOWPLANE_EXECUTION_RETENTION_DAYS are deleted while it runs; newer ones stay."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from domain._sql import fetch
from domain.executions import start_execution
from domain.recording import StatusChange, record
from domain.settings import get_settings
from engine.scheduler import run_scheduler
from tests.factory import Factory
from tests.sync.test_daemon import eventually


async def test_the_scheduler_prunes_old_events_and_executions(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWPLANE_EVENT_RETENTION_HOURS", "2")
    monkeypatch.setenv("FLOWPLANE_EXECUTION_RETENTION_DAYS", "30")
    get_settings.cache_clear()
    org = await factory.org()
    wf = await factory.workflow(org, await factory.user(org=org))
    old, recent, fresh = [await start_execution(wf["id"], trigger_type="manual",
                                                triggered_by=None, input={}) for _ in range(3)]
    for row in (old, recent):
        await record(row.id, StatusChange("completed"))
    await fetch("UPDATE execution SET ended_at = now() - interval '40 days' WHERE id = $1",
                old.id)
    await fetch("UPDATE event SET created_at = now() - interval '3 hours' WHERE execution = $1",
                recent.id)
    scheduler = asyncio.create_task(run_scheduler())
    try:
        await eventually(lambda: _gone(old.id, recent.id), "retention to run", 30)
    finally:
        scheduler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await scheduler
    left = await fetch("SELECT id FROM execution ORDER BY id")
    assert left == [{"id": recent.id}, {"id": fresh.id}]
    assert await fetch("SELECT 1 FROM event WHERE execution = $1", fresh.id) != []


async def _gone(old_execution: int, old_events_of: int) -> bool:
    left = await fetch("SELECT (SELECT count(*) FROM execution WHERE id = $1) AS executions,"
                       " (SELECT count(*) FROM event WHERE execution = $2) AS events",
                       old_execution, old_events_of)
    return bool(left[0]["executions"] == 0 and left[0]["events"] == 0)
