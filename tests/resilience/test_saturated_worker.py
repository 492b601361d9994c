"""A saturated worker and no fault at all: 300 executions queued for one worker (50 at a
time), so most wait in the queue far longer than the dispatch grace period, with the sweeper
running every half second. Nothing a healthy worker picked up is taken from it: every
execution is dispatched exactly once and every HTTP side effect happens exactly once."""

from __future__ import annotations

import pytest

from domain._sql import fetch
from domain.executions import start_execution
from tests.engine.servers import Recorder
from tests.factory import Factory
from tests.processes import FlowplaneProcess
from tests.resilience.conftest import (
    http_call,
    running,
    side_effects,
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
    org = await factory.org()
    user = await factory.user(org=org)
    workflow = await factory.workflow(
        org, user, nodes=[http_call(url, "a"),
                          {"id": "wait", "type": "delay", "params": {"seconds": 1}}],
        connections=[{"from": "a", "to": "wait"}])
    ids = [int((await start_execution(workflow["id"], trigger_type="manual",
                                      triggered_by=user["id"], input={"n": n}))["id"])
           for n in range(EXECUTIONS)]
    # The queue is full before the worker starts: the last jobs wait ~6 s, the grace is 2 s.
    with running(FlowplaneProcess(["worker"], env),
                 FlowplaneProcess(["scheduler"], env)) as processes:
        await wait_terminal(ids, processes, within=240)
    assert summary(await statuses(ids)) == {"completed": EXECUTIONS}
    generations = await fetch("SELECT dispatch_generation AS g, count(*) AS n FROM execution"
                              " WHERE id = ANY($1) GROUP BY 1", ids)
    assert [(r["g"], r["n"]) for r in generations] == [(1, EXECUTIONS)]
    assert side_effects(recorder) == {(n, "a"): 1 for n in range(EXECUTIONS)}
    waited = await fetch("SELECT max(started_at - created_at) AS wait FROM execution"
                         " WHERE id = ANY($1)", ids)
    grace = float(env["FLOWPLANE_DISPATCH_GRACE_SECONDS"])
    assert waited[0]["wait"].total_seconds() > grace, "no job waited past the grace period"
