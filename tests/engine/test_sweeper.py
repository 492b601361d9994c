"""The sweeper's decisions and retention, against the real database and Redis: only what no
live lease covers is taken back, a job waiting its turn is left alone, a picked-up job gets a
lease of its own, and dead workers' leftovers are removed from Redis."""

from __future__ import annotations

from typing import Any

import pytest
from arq.constants import in_progress_key_prefix

from domain._sql import fetch
from domain.dispatch import arq_pool, discard_jobs, job_id, job_state
from domain.executions import load_execution, start_execution
from domain.leases import claim_execution, finish_execution, redispatch
from domain.recording import Fenced, StatusChange, record
from domain.rows import FullExecutionRow
from domain.sweeps import prune_executions, sweep_once
from engine.journal import Journal
from engine.runner import run_execution
from tests.engine.conftest import drain
from tests.engine.test_runner import node
from tests.factory import Factory


async def _execution(factory: Factory, **workflow: Any) -> FullExecutionRow:
    org = await factory.org()
    user = await factory.user(org=org)
    wf = await factory.workflow(org, user, **({"nodes": [node("a", value=1)]} | workflow))
    return await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})


async def _expire_lease(execution_id: int) -> None:
    await fetch("UPDATE execution SET lease_expires_at = now() - interval '1 second'"
                " WHERE id = $1", execution_id)


async def _picked_up(row: FullExecutionRow) -> None:
    """What a worker's pick-up looks like to Redis: arq's in-progress marker on the job."""
    pool = await arq_pool()
    key = job_id(row.organization, row.id, row.dispatch_generation)
    await pool.set(in_progress_key_prefix + key, b"1")


async def _claimed_by_a_dead_worker(row: FullExecutionRow) -> None:
    await _picked_up(row)
    assert await claim_execution(row.id, row.dispatch_generation, "w1") is not None
    await _expire_lease(row.id)


async def test_a_live_lease_is_never_taken(factory: Factory) -> None:
    row = await _execution(factory)
    await _picked_up(row)
    await claim_execution(row.id, row.dispatch_generation, "w1")
    assert not await redispatch(row.id, row.dispatch_generation, "test: steal it")
    assert (await sweep_once()).lost == 0
    assert (await load_execution(row.id)).dispatch_generation == 1


async def test_stale_generation_can_neither_claim_nor_write(factory: Factory) -> None:
    row = await _execution(factory)
    old = row.dispatch_generation
    await _claimed_by_a_dead_worker(row)
    assert await redispatch(row.id, old, "test: taken over")
    assert not await redispatch(row.id, old, "a second sweeper saw the same generation")
    assert await run_execution(row.id, old, "w1", row.organization) == "not claimed"
    with pytest.raises(Fenced):
        await Journal(row.id, old).log("late write from the lost worker")
    assert await run_execution(row.id, old + 1, "w2", row.organization) == "completed"


async def test_expired_lease_is_taken_back_and_its_leftover_job_discarded(
    factory: Factory,
) -> None:
    row = await _execution(factory)
    await _claimed_by_a_dead_worker(row)
    assert (await sweep_once()).lost == 1
    assert (await load_execution(row.id)).dispatch_generation == 2
    assert await job_state(row.organization, row.id, 1, row.queue_name) == "absent"
    assert await job_state(row.organization, row.id, 2, row.queue_name) == "queued"


async def test_expired_lease_with_cancel_request_ends_cancelled(factory: Factory) -> None:
    row = await _execution(factory)
    await _claimed_by_a_dead_worker(row)
    await record(row.id, StatusChange("running", fields={"cancel_requested": True}))
    report = await sweep_once()
    assert (report.cancelled, report.lost) == (1, 0)
    done = await load_execution(row.id)
    assert (done.status, done.dispatch_generation) == ("cancelled", 2)
    # The worker that only seemed lost is fenced out: it cannot write over the end.
    with pytest.raises(Fenced):
        await Journal(row.id, 1).log("late write")


async def test_execution_waiting_in_a_long_queue_is_left_alone(factory: Factory) -> None:
    """Grace 0 (tests): older than the grace, but its job waits its turn: no fault at all."""
    row = await _execution(factory)
    for _ in range(3):
        assert (await sweep_once()).missing == 0
    assert (await load_execution(row.id)).dispatch_generation == 1


async def test_picked_up_job_gets_a_lease_before_it_can_be_taken_back(
    factory: Factory,
) -> None:
    row = await _execution(factory)
    await _picked_up(row)
    report = await sweep_once()
    assert (report.picked_up, report.missing) == (1, 0)
    assert (await sweep_once()).picked_up == 0  # the pick-up lease holds
    assert (await load_execution(row.id)).dispatch_generation == 1
    await _expire_lease(row.id)  # the worker that picked it up never claimed it: dead
    assert (await sweep_once()).missing == 1
    assert (await load_execution(row.id)).dispatch_generation == 2
    assert await job_state(row.organization, row.id, 1, row.queue_name) == "absent"


async def test_redispatched_execution_is_not_dispatched_again_while_its_job_waits(
    factory: Factory,
) -> None:
    row = await _execution(factory)
    await _claimed_by_a_dead_worker(row)
    assert (await sweep_once()).lost == 1
    await fetch("UPDATE execution SET dispatched_at = now() - interval '1 hour'"
                " WHERE id = $1", row.id)
    for _ in range(3):
        report = await sweep_once()
        assert (report.lost, report.missing) == (0, 0)
    assert (await load_execution(row.id)).dispatch_generation == 2


async def test_leftovers_of_finished_executions_are_discarded(
    factory: Factory, redis_url: str
) -> None:
    """A worker killed after the end was written, or a job of a deleted execution: arq would
    keep their in-progress entries at the head of the queue for days."""
    done, gone = await _execution(factory), await _execution(factory)
    await drain(redis_url)
    pool = await arq_pool()
    for row in (done, gone):
        key = job_id(row.organization, row.id, 1)
        await pool.zadd(row.queue_name, {key: 1})
        await pool.set(in_progress_key_prefix + key, b"1")
    await fetch("DELETE FROM execution WHERE id = $1", gone.id)
    assert (await sweep_once()).discarded == 2
    assert await pool.zcard(done.queue_name) == 0
    await discard_jobs(done.queue_name, [])  # nothing to discard is no error


async def test_parked_execution_is_released_once_a_slot_is_free(
    factory: Factory, redis_url: str
) -> None:
    """Admitted ones run; a parked one waits without a job, and is released by the finish of
    the one holding its slot, or by the sweep when that one had no limit to release by."""
    first = await _execution(factory, settings={"concurrency": 1})
    second = await start_execution(first.workflow, trigger_type="manual",
                                   triggered_by=None, input={})
    assert await claim_execution(first.id, 1, "w1") is not None
    assert await claim_execution(second.id, 1, "w1") is None
    parked = await load_execution(second.id)
    assert (parked.status, parked.dispatched_at) == ("pending", None)
    assert (await sweep_once()).released == 0  # its slot is still taken
    await fetch("UPDATE execution SET status = 'completed' WHERE id = $1", first.id)
    assert (await sweep_once()).released == 1
    await drain(redis_url)
    assert (await load_execution(second.id)).status == "completed"


async def test_retention_prunes_only_old_finished_executions(factory: Factory) -> None:
    old, recent, running = [await _execution(factory) for _ in range(3)]
    for row in (old, recent):
        await record(row.id, StatusChange("completed"))
    await record(running.id, StatusChange("running"))
    await fetch("UPDATE execution SET ended_at = now() - interval '40 days', "
                " created_at = now() - interval '40 days' WHERE id = ANY($1::int[])",
                [old.id, running.id])
    assert await prune_executions(30) == 1
    left = {r["id"] for r in await fetch("SELECT id FROM execution")}
    assert left == {recent.id, running.id}
    assert await fetch("SELECT 1 FROM execution_summary WHERE execution = $1", old.id) == []
    assert await fetch("SELECT 1 FROM event WHERE execution = $1", old.id) == []


async def test_a_released_execution_keeps_its_slot_until_it_claims_it(
    factory: Factory, redis_url: str
) -> None:
    """A parked execution is released once, when a slot frees, not again at every sweep
    while the one released before it waits in the queue to claim its slot."""
    first = await _execution(factory, settings={"concurrency": 1})
    second, third = [await start_execution(first.workflow, trigger_type="manual",
                                           triggered_by=None, input={}) for _ in range(2)]
    assert await claim_execution(first.id, 1, "w1") is not None
    for row in (second, third):
        assert await claim_execution(row.id, 1, "w1") is None
    await finish_execution(first.id, 1, "completed", None)  # releases the second
    released = await load_execution(second.id)
    assert released.dispatch_generation == 2 and released.dispatched_at is not None
    for _ in range(3):
        assert (await sweep_once()).released == 0
    parked = await load_execution(third.id)
    assert (parked.dispatch_generation, parked.dispatched_at) == (1, None)
    await drain(redis_url)
    rows = [await load_execution(r.id) for r in (first, second, third)]
    assert [r.status for r in rows] == ["completed"] * 3
    assert rows[2].dispatch_generation == 2  # released once, by the second's finish
