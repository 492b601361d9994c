"""A worker whose clock is wrong (libfaketime, Debian's `faketime`): 5 minutes ahead or 45 s
behind the database, with a scheduler on the right time sweeping every half second. It
behaves exactly like a worker with the right time: no instant timeouts, no leases expired at
claim, no doubled side effects, no negative durations, retry times on the database clock."""

from __future__ import annotations

import glob
from datetime import timedelta

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
LIBFAKETIME = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
EXECUTIONS = 10


# Shorter than the 45 s a slow worker is behind (a lease taken on its clock would be expired
# at claim), long enough that a worker on a busy machine is never late renewing it.
LEASE = {"FLOWPLANE_EXECUTION_LEASE_SECONDS": "30"}


def skewed(env: dict[str, str], offset: str) -> dict[str, str]:
    """The environment of a process whose wall clock is off by `offset` seconds (its
    monotonic clock, which only measures durations, is left alone as on a real machine)."""
    return {**env, "LD_PRELOAD": LIBFAKETIME[0], "FAKETIME": offset,
            "FAKETIME_DONT_FAKE_MONOTONIC": "1"}


@pytest.mark.skipif(not LIBFAKETIME, reason="libfaketime (Debian package faketime) is missing")
@pytest.mark.parametrize("offset", ["+300", "-45"], ids=["5-minutes-ahead", "45-seconds-behind"])
async def test_a_worker_with_a_skewed_clock_behaves_like_one_without(
    factory: Factory, env: dict[str, str], counting_server: tuple[str, Recorder], offset: str
) -> None:
    url, recorder = counting_server
    org = await factory.org()
    user = await factory.user(org=org)
    flaky = http_call(url, "flaky", "/flaky/{{ input.n }}?fail=1")
    workflow = await factory.workflow(
        org, user, settings={"timeoutSeconds": 60, "maxAttempts": 2, "retryBackoffSeconds": 0.2},
        nodes=[http_call(url, "a"), {"id": "t", "type": "transform", "params": {"value": 1}},
               {"id": "wait", "type": "delay", "params": {"seconds": 2}}, flaky],
        connections=[{"from": "a", "to": "t"}, {"from": "t", "to": "wait"},
                     {"from": "wait", "to": "flaky"}])
    ids = [int((await start_execution(workflow["id"], trigger_type="manual",
                                      triggered_by=user["id"], input={"n": n})).id)
           for n in range(EXECUTIONS)]
    env = {**env, **LEASE}
    with running(FlowplaneProcess(["worker"], skewed(env, offset)),
                 FlowplaneProcess(["scheduler"], env)) as processes:
        await wait_terminal(ids, processes, within=120)
    assert summary(await statuses(ids)) == {"completed": EXECUTIONS}
    assert side_effects(recorder) == {(n, "a"): 1 for n in range(EXECUTIONS)}
    assert dict(recorder.hits) == {str(n): 2 for n in range(EXECUTIONS)}  # fail, then pass
    rows = await fetch("SELECT dispatch_generation, attempt FROM execution WHERE id = ANY($1)",
                       ids)
    # The second attempt is a dispatch of its own, by the scheduler, when it was due.
    assert {(r["dispatch_generation"], r["attempt"]) for r in rows} == {(2, 2)}
    await _times_are_the_databases(ids)


async def _times_are_the_databases(ids: list[int]) -> None:
    """Every span lies inside its execution, lasts no negative time, and the second attempt
    starts no sooner than the backoff after the first one failed: what a clock 5 minutes off
    would break."""
    spans = await fetch(
        "SELECT s.execution, s.kind, s.node_id, s.attempt, s.started_at, s.ended_at,"
        " s.duration_ms, e.started_at AS run_started, e.ended_at AS run_ended"
        " FROM execution_span s JOIN execution e ON e.id = s.execution"
        " WHERE s.execution = ANY($1) ORDER BY s.id", ids)
    slack = timedelta(milliseconds=5)
    for span in spans:
        where = (span["kind"], span["node_id"], span["started_at"], span["ended_at"])
        assert span["duration_ms"] >= 0, where
        assert span["run_started"] - slack <= span["started_at"] <= span["ended_at"], where
        assert span["ended_at"] <= span["run_ended"] + slack, where
    attempts = {(s["execution"], s["attempt"]): s for s in spans if s["kind"] == "attempt"}
    backoff = timedelta(seconds=0.2)  # retryBackoffSeconds, before its jitter
    for execution_id in ids:
        first, second = attempts[(execution_id, 1)], attempts[(execution_id, 2)]
        assert second["started_at"] - first["ended_at"] >= backoff, (first, second)
