"""A saturated worker and no fault at all: 300 executions queued for one worker (50 at a
time), so most wait in the queue far longer than the dispatch grace period, with the sweeper
running every half second. Nothing a healthy worker picked up is taken from it: every
execution is dispatched exactly once and every HTTP side effect happens exactly once.

Healthy means holding its leases: the lease here (60 s) is long enough that a worker on a
busy machine is never late renewing it, since an expired lease is the one thing that may
rightly take a run (that case is `test_crashed_workers`)."""

from __future__ import annotations

import pytest

from domain._sql import fetch
from tests.engine.servers import Recorder
from tests.factory import Factory
from tests.processes import FlowplaneProcess
from tests.resilience.conftest import (
    call_then_wait,
    running,
    side_effects,
    start_runs,
    statuses,
    summary,
    wait_terminal,
)

pytestmark = [pytest.mark.resilience, pytest.mark.slow]
EXECUTIONS = 300


async def test_a_saturated_worker_keeps_every_run_and_repeats_no_side_effect(
    factory: Factory, env: dict[str, str], counting_server: tuple[str, Recorder]
) -> None:
    url, recorder = counting_server
    user, workflow = await call_then_wait(factory, url, 1)
    ids = await start_runs(workflow, user, [{"n": n} for n in range(EXECUTIONS)])
    # The queue is full before the worker starts: the last jobs wait ~6 s, the grace is 2 s.
    env = {**env, "FLOWPLANE_EXECUTION_LEASE_SECONDS": "60"}
    with running(FlowplaneProcess(["worker"], env),
                 FlowplaneProcess(["scheduler"], env)) as processes:
        await wait_terminal(ids, processes, within=240)
    assert summary(await statuses(ids)) == {"completed": EXECUTIONS}
    assert side_effects(recorder) == {(n, "a"): 1 for n in range(EXECUTIONS)}
    redispatched = await fetch(
        "SELECT e.id, l.message, l.created_at - e.created_at AS after FROM execution e"
        " JOIN execution_log l ON l.execution = e.id AND l.level = 'warning'"
        " WHERE e.id = ANY($1) AND e.dispatch_generation > 1", ids)
    assert redispatched == [], redispatched
    waited = await fetch("SELECT max(started_at - created_at) AS wait FROM execution"
                         " WHERE id = ANY($1)", ids)
    grace = float(env["FLOWPLANE_DISPATCH_GRACE_SECONDS"])
    assert waited[0]["wait"].total_seconds() > grace, "no job waited past the grace period"
