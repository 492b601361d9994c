"""The worker process's hints over Redis: a new job wakes an idle worker at once, and a cancel
reaches a running node at once, neither waiting for the poll interval or the lease heartbeat
(both set far beyond what the tests wait here)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from domain.cancel_signals import close_listener
from domain.executions import cancel_execution, load_execution, start_execution
from domain.rows import FullExecutionRow
from domain.settings import get_settings
from engine.worker import ResilientWorker, build_worker
from tests.engine.test_runner import node
from tests.factory import Factory
from tests.sync.test_daemon import eventually

SLOW = 120.0  # poll interval and heartbeat interval: never what the tests below wait for
WITHIN = 20.0


@pytest.fixture
def slow_heartbeat(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> Iterator[None]:
    monkeypatch.setenv("FLOWPLANE_EXECUTION_LEASE_SECONDS", str(SLOW * 3))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
async def idle_worker(slow_heartbeat: None, redis_url: str) -> AsyncIterator[ResilientWorker]:
    """A worker polling every SLOW seconds, subscribed to its queue's wake-ups."""
    worker = build_worker(redis_url=redis_url, poll_delay=SLOW)
    assert isinstance(worker, ResilientWorker)
    task = asyncio.create_task(worker.main())
    try:
        await eventually(lambda: _true(worker._listening is not None  # white-box
                                       and worker._listening.done()), "subscribed", WITHIN)
        yield worker
        await eventually(lambda: _true(all(job.done() for job in worker.tasks.values())),
                         "the jobs' ends written to Redis too", WITHIN)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await worker.close()
        await close_listener()


async def _true(value: bool) -> bool:
    return value


async def _until(execution_id: int, status: str) -> FullExecutionRow:
    async def reached() -> bool:
        return bool((await load_execution(execution_id)).status == status)

    await eventually(reached, f"execution {execution_id} {status}", WITHIN)
    return await load_execution(execution_id)


async def test_a_new_job_wakes_an_idle_worker(factory: Factory,
                                             idle_worker: ResilientWorker) -> None:
    org = await factory.org()
    workflow = await factory.workflow(org, await factory.user(org=org),
                                      nodes=[node("a", value=1)])
    await asyncio.sleep(0.2)  # the worker's first poll is over: it waits for SLOW now
    row = await start_execution(workflow["id"], trigger_type="manual", triggered_by=None,
                                input={})
    assert (await _until(row.id, "completed")).status == "completed"


async def test_a_cancel_interrupts_a_running_node_at_once(factory: Factory,
                                                         idle_worker: ResilientWorker) -> None:
    org = await factory.org()
    workflow = await factory.workflow(org, await factory.user(org=org),
                                      nodes=[node("wait", "delay", seconds=600)])
    row = await start_execution(workflow["id"], trigger_type="manual", triggered_by=None,
                                input={})
    await _until(row.id, "running")
    await asyncio.sleep(0.2)  # in its delay node
    await cancel_execution(row.id, actor_id=None)
    done = await _until(row.id, "cancelled")
    assert done.error == "cancelled on request"
