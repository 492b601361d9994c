"""The sweeper's decisions and retention, against the real database and Redis."""

from __future__ import annotations

from typing import Any

import pytest

from domain._sql import fetch
from domain.executions import load_execution, start_execution
from domain.leases import claim_execution, redispatch
from domain.recording import Fenced, StatusChange, record
from domain.sweeps import prune_executions, sweep_once
from engine.journal import Journal
from engine.runner import run_execution
from tests.engine.test_runner import node
from tests.factory import Factory


async def _execution(factory: Factory) -> dict[str, Any]:
    org = await factory.org()
    user = await factory.user(org=org)
    wf = await factory.workflow(org, user, nodes=[node("a", value=1)])
    return await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})


async def _expire_lease(execution_id: int) -> None:
    await fetch("UPDATE execution SET lease_expires_at = now() - interval '1 second'"
                " WHERE id = $1", execution_id)


async def test_stale_generation_can_neither_claim_nor_write(factory: Factory) -> None:
    row = await _execution(factory)
    old = row["dispatch_generation"]
    assert await claim_execution(row["id"], old, "w1") is not None
    assert await redispatch(row["id"], old, "test: taken over")
    assert not await redispatch(row["id"], old, "a second sweeper saw the same generation")
    assert await run_execution(row["id"], old, "w1") == "not claimed"
    with pytest.raises(Fenced):
        await Journal(row["id"], old).log("late write from the lost worker")
    assert await run_execution(row["id"], old + 1, "w2") == "completed"


async def test_expired_lease_with_cancel_request_ends_cancelled(factory: Factory) -> None:
    row = await _execution(factory)
    await claim_execution(row["id"], row["dispatch_generation"], "w1")
    await record(row["id"], status=StatusChange("running", fields={"cancel_requested": True}))
    await _expire_lease(row["id"])
    report = await sweep_once()
    assert (report.cancelled, report.lost) == (1, 0)
    assert (await load_execution(row["id"]))["status"] == "cancelled"


async def test_running_execution_with_live_lease_is_left_alone(factory: Factory) -> None:
    row = await _execution(factory)
    await claim_execution(row["id"], row["dispatch_generation"], "w1")
    assert (await sweep_once()).lost == 0
    await _expire_lease(row["id"])
    assert (await sweep_once()).lost == 1
    assert (await load_execution(row["id"]))["dispatch_generation"] == 2


async def test_retention_prunes_only_old_finished_executions(factory: Factory) -> None:
    old, recent, running = [await _execution(factory) for _ in range(3)]
    for row in (old, recent):
        await record(row["id"], status=StatusChange("completed"))
    await record(running["id"], status=StatusChange("running"))
    await fetch("UPDATE execution SET ended_at = now() - interval '40 days', "
                " created_at = now() - interval '40 days' WHERE id = ANY($1::int[])",
                [old["id"], running["id"]])
    assert await prune_executions(30) == 1
    left = {r["id"] for r in await fetch("SELECT id FROM execution")}
    assert left == {recent["id"], running["id"]}
    assert await fetch("SELECT 1 FROM execution_summary WHERE execution = $1", old["id"]) == []
    assert await fetch("SELECT 1 FROM event WHERE execution = $1", old["id"]) == []
