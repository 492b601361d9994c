"""Crash safety with real processes: a worker killed with SIGKILL mid-run, Redis emptied."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from asyncio.subprocess import Process
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from domain._sql import fetch
from domain.dispatch import job_state
from domain.executions import load_execution, start_execution
from domain.sweeps import sweep_once
from tests.conftest import empty_redis
from tests.engine.conftest import drain
from tests.engine.test_runner import edge, node
from tests.factory import Factory

pytestmark = [pytest.mark.resilience, pytest.mark.slow]


@asynccontextmanager
async def worker_process(database_url: str, redis_url: str) -> AsyncIterator[Process]:
    """`python -m flowplane worker` against the test database and Redis, with short leases."""
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "FLOWPLANE_EXECUTION_LEASE_SECONDS": "2", "FLOWPLANE_WORKER_POLL_DELAY": "0.01"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "flowplane", "worker", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _until(check: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    for _ in range(int(seconds / 0.1)):
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def _node_running(execution_id: int, node_id: str) -> bool:
    rows = await fetch("SELECT 1 FROM execution_span WHERE execution = $1 AND node_id = $2"
                       " AND status = 'running'", execution_id, node_id)
    return bool(rows)


async def _workflow(factory: Factory, seconds: float) -> dict[str, Any]:
    org = await factory.org()
    user = await factory.user(org=org)
    return await factory.workflow(
        org, user, nodes=[node("a", value=1), node("wait", "delay", seconds=seconds),
                          node("b", value="{{ nodes.a.output }}")],
        connections=[edge("a", "wait"), edge("wait", "b")])


async def test_execution_survives_worker_killed_mid_run(
    factory: Factory, database_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWPLANE_EXECUTION_LEASE_SECONDS", "2")
    wf = await _workflow(factory, 2)
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    async with worker_process(database_url, redis_url) as first:
        await _until(lambda: _node_running(row.id, "wait"), "the first worker to run it")
        first.send_signal(signal.SIGKILL)
        await first.wait()
    async with worker_process(database_url, redis_url):

        async def swept() -> bool:
            return (await sweep_once()).lost == 1

        await _until(swept, "the sweeper to notice the lost lease")

        async def finished() -> bool:
            return (await load_execution(row.id)).status == "completed"

        await _until(finished, "the second worker to complete it")
    done = await load_execution(row.id)
    assert done.dispatch_generation == row.dispatch_generation + 1
    assert done.outputs["b"]["output"] == 1
    spans = await fetch("SELECT node_id, status FROM execution_span WHERE execution = $1"
                        " AND kind = 'node' ORDER BY id", row.id)
    assert [(s["node_id"], s["status"]) for s in spans] == [
        ("a", "completed"), ("wait", "lost"), ("wait", "completed"), ("b", "completed")]
    completions = await fetch(
        "SELECT 1 FROM event WHERE execution = $1 AND kind = 'status'"
        " AND payload->>'status' = 'completed' AND stream = $2",
        row.id, f"execution:{row.id}")
    assert len(completions) == 1


async def test_execution_running_when_redis_is_flushed_completes(
    factory: Factory, database_url: str, redis_url: str
) -> None:
    wf = await _workflow(factory, 1)
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    async with worker_process(database_url, redis_url):
        await _until(lambda: _node_running(row.id, "wait"), "the worker to run it")
        await empty_redis(redis_url)

        async def finished() -> bool:
            return (await load_execution(row.id)).status == "completed"

        await _until(finished, "the execution to complete")


async def test_pending_execution_lost_by_redis_is_dispatched_again(
    factory: Factory, redis_url: str
) -> None:
    wf = await _workflow(factory, 0)
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    await empty_redis(redis_url)
    assert await job_state(row.organization, row.id, row.dispatch_generation,
                           row.queue_name) == "absent"
    assert (await sweep_once()).missing == 1
    assert (await sweep_once()).missing == 0  # the new job is held: nothing more to do
    await drain(redis_url)
    done = await load_execution(row.id)
    assert (done.status, done.dispatch_generation) == ("completed", 2)
