"""Five workers SIGKILLed while each holds its fill of jobs: they leave 250 arq in-progress
markers at the head of the queue, as many ids as a worker reads per poll, with a TTL of days.
Newer jobs still run, the killed executions are recovered exactly once, and the leftovers are
gone from Redis."""

from __future__ import annotations

import pytest

from domain._sql import fetch
from domain.dispatch import DEFAULT_QUEUE, in_progress_head
from engine.worker import WorkerSettings
from tests.engine.servers import Recorder
from tests.factory import Factory
from tests.processes import FlowplaneProcess
from tests.resilience.conftest import (
    call_then_wait,
    node_spans,
    running,
    side_effects,
    spans_running,
    start_runs,
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
    user, workflow = await call_then_wait(factory, url, "{{ input.seconds }}")
    doomed = [FlowplaneProcess(["worker"], env) for _ in range(WORKERS)]
    with running(*doomed):
        held = await start_runs(workflow, user, [{"n": n, "seconds": 600} for n in range(HELD)])
        await eventually(lambda: _all_waiting(held), f"{HELD} executions to be mid-run", 120)
        for worker in doomed:
            worker.kill()
    assert len(await in_progress_head(DEFAULT_QUEUE)) == HELD, "the kill left no leftovers"
    # Recovery runs their delay again: shorten it, so the test stays quick.
    await fetch("UPDATE execution SET input = jsonb_set(input, '{seconds}', '0.5')"
                " WHERE id = ANY($1)", held)
    newer = await start_runs(workflow, user, [{"n": HELD + n, "seconds": 0.5}
                                              for n in range(NEWER)])
    with running(FlowplaneProcess(["worker"], env),
                 FlowplaneProcess(["scheduler"], env)) as processes:
        await wait_terminal(newer + held, processes, within=240)
    assert summary(await statuses(newer + held)) == {"completed": HELD + NEWER}
    # Node a had completed before the kill: resumed runs keep its result. A call repeats only
    # where a try of it was cut short by a lost lease (a worker late on a loaded machine).
    tries = await node_spans(newer + held)
    calls = side_effects(recorder)
    for n, execution_id in enumerate(held + newer):
        lost = tries[(execution_id, "a")].count("lost")
        assert 1 <= calls[(n, "a")] <= 1 + lost, (n, tries[(execution_id, "a")])
    assert await in_progress_head(DEFAULT_QUEUE) == []


async def _all_waiting(ids: list[int]) -> bool:
    return await spans_running(ids, "wait") == len(ids)
