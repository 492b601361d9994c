"""Five workers SIGKILLed while each holds its fill of jobs: they leave 250 arq in-progress
markers at the head of the queue, as many ids as a worker reads per poll, with a TTL of days.
Newer jobs still run, the killed executions are recovered exactly once, and the leftovers are
gone from Redis."""

from __future__ import annotations

import pytest

from domain._sql import fetch
from domain.dispatch import DEFAULT_QUEUE, in_progress_head
from domain.executions import start_execution
from engine.worker import WorkerSettings
from tests.engine.servers import Recorder
from tests.factory import Factory
from tests.processes import FlowplaneProcess
from tests.resilience.conftest import (
    http_call,
    running,
    side_effects,
    spans_running,
    statuses,
    summary,
    wait_terminal,
)
from tests.sync.test_daemon import eventually

pytestmark = [pytest.mark.resilience, pytest.mark.slow]
WORKERS = 5
HELD = WORKERS * WorkerSettings.max_jobs  # 250: what a poll reads (max_jobs * 5)
NEWER = 20


async def test_killed_workers_leftovers_never_block_newer_jobs(
    factory: Factory, env: dict[str, str], counting_server: tuple[str, Recorder]
) -> None:
    url, recorder = counting_server
    org = await factory.org()
    user = await factory.user(org=org)
    workflow = await factory.workflow(
        org, user, nodes=[http_call(url, "a"),
                          {"id": "wait", "type": "delay",
                           "params": {"seconds": "{{ input.seconds }}"}}],
        connections=[{"from": "a", "to": "wait"}])

    async def start(n: int, seconds: float) -> int:
        row = await start_execution(workflow["id"], trigger_type="manual",
                                    triggered_by=user["id"], input={"n": n, "seconds": seconds})
        return int(row["id"])

    doomed = [FlowplaneProcess(["worker"], env) for _ in range(WORKERS)]
    with running(*doomed):
        held = [await start(n, 600) for n in range(HELD)]
        await eventually(lambda: _all_waiting(held), f"{HELD} executions to be mid-run", 120)
        for worker in doomed:
            worker.kill()
    assert len(await in_progress_head(DEFAULT_QUEUE)) == HELD, "the kill left no leftovers"
    # Recovery runs their delay again: shorten it, so the test stays quick.
    await fetch("UPDATE execution SET input = jsonb_set(input, '{seconds}', '0.5')"
                " WHERE id = ANY($1)", held)
    newer = [await start(HELD + n, 0.5) for n in range(NEWER)]
    with running(FlowplaneProcess(["worker"], env),
                 FlowplaneProcess(["scheduler"], env)) as processes:
        await wait_terminal(newer + held, processes, within=240)
    assert summary(await statuses(newer + held)) == {"completed": HELD + NEWER}
    # Node a had completed before the kill: resumed runs keep its result.
    assert side_effects(recorder) == {(n, "a"): 1 for n in range(HELD + NEWER)}
    assert await in_progress_head(DEFAULT_QUEUE) == []


async def _all_waiting(ids: list[int]) -> bool:
    return await spans_running(ids, "wait") == len(ids)
