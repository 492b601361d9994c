"""The engine's metrics, scraped from real processes after real runs: `flowplane worker` counts
executions, attempts and node tries as workflows complete, fail and retry; `flowplane
scheduler` samples the depth of the queue they waited in; `flowplane serve` counts the
runWorkflow mutations that started them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from domain._sql import fetch
from domain.executions import load_execution, start_execution
from flowplane.embedded import free_port
from graphql_api.types.ids import global_id, parse_global_id
from tests.conftest import empty_redis
from tests.engine.test_runner import node
from tests.factory import Factory
from tests.processes import ApiServer, FlowplaneProcess
from tests.scrape import Samples, answers, delta, metrics_url, scrape, scraped_until, value

FAST = {"FLOWPLANE_WORKER_POLL_DELAY": "0.01", "FLOWPLANE_METRICS_SAMPLE_SECONDS": "0.1",
        "FLOWPLANE_SWEEP_INTERVAL_SECONDS": "0.5", "FLOWPLANE_DISPATCH_GRACE_SECONDS": "2"}
RUN = """mutation($w: ID!) { runWorkflow(workflowId: $w) { __typename ... on Execution { id } } }"""


@pytest.fixture
def env(database_url: str, redis_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url, **FAST}


@pytest.fixture
def processes() -> Iterator[list[FlowplaneProcess]]:
    started: list[FlowplaneProcess] = []
    yield started
    for process in started:
        process.stop()


def _with_port(args: list[str], env: dict[str, str]) -> tuple[FlowplaneProcess, str]:
    port = free_port()
    process = FlowplaneProcess([*args, "--metrics-port", str(port)], env).start()
    url = metrics_url(port)
    process.wait_until(lambda: answers(url), f"{url} answering")
    return process, url


async def _workflows(factory: Factory, url: str) -> tuple[str, list[dict[str, Any]]]:
    """A token and three workflows: one completes, one fails both its attempts, one node
    fails once and succeeds on its own retry."""
    org = await factory.org()
    user = await factory.user(org=org, role="admin")
    failing = node("call", "http.request", method="GET", url=f"{url}/status/500")
    flaky = node("call", "http.request", method="GET", url=f"{url}/flaky/metrics?fail=1")
    flaky["retry"] = {"maxAttempts": 2, "backoffSeconds": 0}
    retry = {"maxAttempts": 2, "retryBackoffSeconds": 0}
    return await factory.token(user, org), [
        await factory.workflow(org, user, status="active", nodes=[node("a", value=1)]),
        await factory.workflow(org, user, status="active", nodes=[failing], settings=retry),
        await factory.workflow(org, user, status="active", nodes=[flaky], settings=retry),
    ]


async def _run_all(api: str, token: str, workflows: list[dict[str, Any]]) -> list[int]:
    ids = []
    async with httpx.AsyncClient(base_url=api, headers={
            "Authorization": f"Bearer {token}"}) as client:
        for workflow in workflows:
            answer = await client.post("/graphql", json={
                "query": RUN, "variables": {"w": global_id("Workflow", workflow["id"])}})
            ran = answer.json()["data"]["runWorkflow"]
            assert ran["__typename"] == "Execution", ran
            parsed = parse_global_id(ran["id"])
            assert parsed is not None
            ids.append(parsed[1])
    return ids


async def _ended(ids: list[int], within: float = 60) -> dict[int, str]:
    for _ in range(int(within / 0.1)):
        rows = await fetch("SELECT id, status FROM execution WHERE id = ANY($1::int[])", ids)
        if all(r["status"] in ("completed", "failed", "cancelled") for r in rows):
            return {int(r["id"]): str(r["status"]) for r in rows}
        await asyncio.sleep(0.1)
    raise AssertionError(f"executions {ids} did not end")


def _depth(samples: Samples, depth: float) -> bool:
    return value(samples, "flowplane_queue_depth", queue="flowplane:default") == depth and (
        ("flowplane_queue_depth", (("queue", "flowplane:default"),)) in samples)


@pytest.mark.slow
async def test_worker_scheduler_and_api_count_a_run_that_completes_fails_and_retries(
    factory: Factory, env: dict[str, str], http_server: Any,
    processes: list[FlowplaneProcess],
) -> None:
    url, _ = http_server
    token, workflows = await _workflows(factory, url)
    api = ApiServer(env).start()
    processes.append(api)
    scheduler, scheduler_metrics = _with_port(["scheduler"], env)
    processes.append(scheduler)
    api_before = await asyncio.to_thread(scrape, f"{api.url}/metrics")

    ids = await _run_all(api.url, token, workflows)
    # No worker yet: the scheduler sees the three jobs waiting, the oldest for a while.
    waiting = await scraped_until(scheduler_metrics, lambda s: _depth(s, 3), "depth 3")
    assert value(waiting, "flowplane_queue_oldest_job_age_seconds",
                 queue="flowplane:default") >= 0
    # A fresh worker: its counters start at zero, so what it shows is what these runs moved.
    worker, worker_metrics = _with_port(["worker"], env)
    processes.append(worker)
    assert sorted((await _ended(ids)).values()) == ["completed", "completed", "failed"]
    after = await asyncio.to_thread(scrape, worker_metrics)

    moved = {
        ("flowplane_executions_started_total", (("trigger_type", "manual"),)): 3,
        ("flowplane_executions_finished_total",
         (("status", "completed"), ("trigger_type", "manual"))): 2,
        ("flowplane_executions_finished_total",
         (("status", "failed"), ("trigger_type", "manual"))): 1,
        ("flowplane_execution_attempts_total", ()): 4,
        ("flowplane_execution_retries_total", ()): 1,
        ("flowplane_node_runs_total", (("node_type", "http.request"), ("status", "failed"))): 3,
        ("flowplane_node_runs_total",
         (("node_type", "http.request"), ("status", "completed"))): 1,
        ("flowplane_node_runs_total", (("node_type", "transform"), ("status", "completed"))): 1,
        ("flowplane_node_retries_total", (("node_type", "http.request"),)): 1,
        ("flowplane_node_duration_seconds_count", (("node_type", "http.request"),)): 4,
        ("flowplane_execution_duration_seconds_count", (("status", "completed"),)): 2,
        ("flowplane_execution_start_latency_seconds_count", (("trigger_type", "manual"),)): 3,
        ("flowplane_lease_takeovers_total", ()): 0,
    }
    assert {key: after.get(key, 0) for key in moved} == moved
    await scraped_until(scheduler_metrics, lambda s: _depth(s, 0), "the queue emptied")

    api_after = await asyncio.to_thread(scrape, f"{api.url}/metrics")
    assert delta(api_before, api_after, "flowplane_graphql_requests_total",
                 operation="mutation", result="ok") == 3
    assert delta(api_before, api_after, "flowplane_graphql_request_duration_seconds_count",
                 operation="mutation") == 3


async def test_scheduler_counts_fires_missed_slots_recoveries_and_deployments(
    factory: Factory, env: dict[str, str], redis_url: str, processes: list[FlowplaneProcess],
) -> None:
    org = await factory.org()
    user = await factory.user(org=org)
    cron = await factory.workflow(org, user, status="active",
                                  trigger={"type": "schedule", "cron": "* * * * *"})
    # The last fired slot, ten minutes back: the slots in between are missed.
    await fetch("INSERT INTO schedule_slot (workflow, slot_at, fired_at) VALUES"
                " ($1, date_trunc('minute', now()) - interval '10 minutes', now())", cron["id"])
    deployed = await factory.workflow(org, user, status="active")
    await fetch("UPDATE workflow SET deployment_phase = 'FAILED' WHERE id = $1", deployed["id"])
    lost = await start_execution(deployed["id"], trigger_type="manual", triggered_by=None,
                                 input={})
    await empty_redis(redis_url)  # Redis lost the job: the sweeper must dispatch it again
    scheduler, url = _with_port(["scheduler"], env)
    processes.append(scheduler)

    seen = await scraped_until(url, lambda s: value(
        s, "flowplane_sweeper_recoveries_total", action="missing") == 1, "the job redispatched")
    slots = await fetch("SELECT slot_at FROM schedule_slot WHERE workflow = $1 ORDER BY slot_at",
                        cron["id"])
    assert len(slots) == 2
    missed = (slots[1]["slot_at"] - slots[0]["slot_at"]).total_seconds() / 60 - 1
    assert value(seen, "flowplane_schedule_fires_total") == 1
    assert value(seen, "flowplane_schedule_missed_slots_total") == missed
    lag = value(seen, "flowplane_schedule_lag_seconds_sum")
    assert value(seen, "flowplane_schedule_lag_seconds_count") == 1 and 0 <= lag < 120
    assert value(seen, "flowplane_schedule_caught_up_slots_total") == (1 if lag > 5 else 0)
    gauges = await scraped_until(url, lambda s: value(
        s, "flowplane_queue_depth", queue="flowplane:default") == 2, "both jobs queued")
    assert value(gauges, "flowplane_deployments", phase="FAILED") == 1
    assert value(gauges, "flowplane_deployments", phase="AVAILABLE") == 0
    assert (await load_execution(lost.id)).dispatch_generation == 2


async def test_local_workers_serve_the_metrics_of_the_executions_they_run(
    factory: Factory, env: dict[str, str], processes: list[FlowplaneProcess],
) -> None:
    org = await factory.org()
    user = await factory.user(org=org)
    workflow = await factory.workflow(org, user, status="active")
    workers, url = _with_port(["local-workers", "--interval", "0.1"], env)
    processes.append(workers)
    execution = await start_execution(workflow["id"], trigger_type="webhook", triggered_by=None,
                                      input={})
    assert await _ended([execution.id]) == {execution.id: "completed"}
    seen = await scraped_until(url, lambda s: value(
        s, "flowplane_executions_finished_total", status="completed",
        trigger_type="webhook") == 1, "the run counted")
    assert value(seen, "flowplane_node_runs_total", node_type="transform",
                 status="completed") == 1
