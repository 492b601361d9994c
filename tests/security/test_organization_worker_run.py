"""What a workflow's worker pod runs, for real: `flowplane worker --queue <its queue>` in a
process whose environment holds only the organization's credentials (as the pod's Secret
does) runs executions end to end, including the concurrency lock and the release of a parked
execution, which go through the organization's own role and Redis user."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

from domain._sql import fetch
from domain.access import Actor
from domain.dispatch import workflow_queue
from domain.executions import load_execution, start_execution
from domain.rows import FullExecutionRow
from domain.settings import get_settings
from domain.worker_credentials import ensure_worker_credentials, worker_environment
from domain.workflows import create_workflow
from tests.domain.test_workflows import definition
from tests.factory import Factory
from tests.processes import FlowplaneProcess


@pytest.fixture(autouse=True)
def _settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def _ended(execution_ids: list[int], worker: FlowplaneProcess
                 ) -> list[FullExecutionRow]:
    for _ in range(600):  # up to ~30 s on a busy machine
        rows = [await load_execution(i) for i in execution_ids]
        if all(r.status in ("completed", "failed", "cancelled") for r in rows):
            return rows
        assert worker.process is not None and worker.process.poll() is None, worker.output()
        await asyncio.sleep(0.05)
    raise AssertionError(f"executions did not end:\n{worker.output()[-3000:]}")


async def test_a_worker_with_only_its_organizations_credentials_runs_its_workflows(
        factory: Factory) -> None:
    org = await factory.org("acme")
    user = await factory.user("alice", org)
    actor = Actor(user["id"], org["id"], "member")
    nodes = [{"id": "first", "type": "transform", "params": {"value": "a"}},
             {"id": "second", "type": "delay", "params": {"seconds": 0.2}}]
    row = await create_workflow(actor, "pair", definition(
        nodes=nodes, connections=[{"from": "first", "to": "second"}],
        settings={"concurrency": 1, "maxAttempts": 1}))
    # As the phase watcher records a deployment whose pod runs: its own queue.
    await fetch("UPDATE workflow SET deployment_phase = 'AVAILABLE' WHERE id = $1", row.id)
    queue = workflow_queue(org["id"], row.id)
    started = [await start_execution(row.id, trigger_type="manual",
                                     triggered_by=user["id"], input={}) for _ in range(2)]
    assert {s.queue_name for s in started} == {queue}

    env = worker_environment(os.environ, await ensure_worker_credentials(org["id"]))
    worker = FlowplaneProcess(["worker", "--queue", queue], env,
                              drop=tuple(k for k in os.environ if k not in env)).start()
    try:
        ended = await _ended([int(s.id) for s in started], worker)
    finally:
        worker.stop()
    assert [(r.status, r.error) for r in ended] == [("completed", None)] * 2
    assert "permission denied" not in worker.output().lower()  # no other worker runs here
    # The second one waited for the first (concurrency 1): its claim came after the first ended.
    first, second = sorted(ended, key=lambda r: r.id)
    assert second.started_at >= first.ended_at
