"""Redis restarted empty while executions are pending and running: every one still completes
(running ones keep their lease in PostgreSQL; the scheduler's sweeper re-enqueues the pending
ones whose jobs Redis lost)."""

from __future__ import annotations

import asyncio

import pytest

from domain._sql import fetch
from domain.executions import start_execution
from tests.factory import Factory
from tests.processes import FlowplaneProcess
from tests.resilience.conftest import (
    Restartable,
    running,
    statuses,
    summary,
    terminal_events,
    wait_terminal,
)
from tests.sync.test_daemon import eventually

pytestmark = [pytest.mark.resilience, pytest.mark.slow]
EXECUTIONS = 150


async def _some_running_and_pending(ids: list[int]) -> bool:
    counts = summary(await statuses(ids))
    return counts.get("running", 0) >= 5 and counts.get("pending", 0) >= 5


async def test_executions_complete_after_redis_restarts_empty(
    factory: Factory, restartable: Restartable
) -> None:
    server, env = restartable.redis, restartable.env
    org = await factory.org()
    user = await factory.user(org=org)
    workflow = await factory.workflow(
        org, user, settings={"maxAttempts": 3, "concurrency": 20},
        nodes=[{"id": "a", "type": "transform", "params": {"value": 1}},
               {"id": "wait", "type": "delay", "params": {"seconds": 1}}],
        connections=[{"from": "a", "to": "wait"}])
    with running(FlowplaneProcess(["worker"], env),
                 FlowplaneProcess(["scheduler"], env)) as processes:
        ids = [int((await start_execution(workflow["id"], trigger_type="manual",
                                          triggered_by=user["id"], input={})).id)
               for _ in range(EXECUTIONS)]
        await eventually(lambda: _some_running_and_pending(ids), "a mix of states", 60)
        await asyncio.to_thread(server.restart_empty)
        await wait_terminal(ids, processes)
        assert all(p.process is not None and p.process.poll() is None for p in processes), (
            "a process did not outlive the Redis restart")
    assert summary(await statuses(ids)) == {"completed": EXECUTIONS}
    events = await terminal_events(ids)
    assert {i: e for i, e in events.items() if e != ["completed"]} == {}
    redispatched = await fetch("SELECT count(*) AS n FROM execution WHERE id = ANY($1)"
                               " AND dispatch_generation > 1", ids)
    assert redispatched[0]["n"] > 0, "no job was lost with Redis: the fault did not land"
