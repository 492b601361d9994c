"""Retries, timeouts, cancellation, concurrency and retry-from-failed-node, end to end."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from db.tables import Workflow
from domain._sql import decode, fetch
from domain.executions import (
    cancel_execution,
    load_execution,
    retry_execution,
    start_execution,
)
from tests.engine.conftest import drain
from tests.engine.test_runner import edge, node
from tests.factory import Factory


async def _workflow(factory: Factory, **fields: Any) -> dict[str, Any]:
    org = await factory.org()
    user = await factory.user(org=org)
    return await factory.workflow(org, user, **fields)


async def _start(wf: dict[str, Any], input: Any = None) -> dict[str, Any]:
    return await start_execution(wf["id"], trigger_type="manual", triggered_by=None,
                                 input=input or {})


async def _spans(execution_id: int, kind: str) -> list[dict[str, Any]]:
    rows = await fetch("SELECT * FROM execution_span WHERE execution = $1 AND kind = $2"
                       " ORDER BY id", execution_id, kind)
    return [decode(r) for r in rows]


async def test_failed_attempt_is_retried_and_keeps_completed_nodes(
    factory: Factory, redis_url: str, http_server: Any
) -> None:
    url, _ = http_server
    wf = await _workflow(
        factory, settings={"maxAttempts": 2, "retryBackoffSeconds": 0},
        nodes=[node("first", value=1), node("call", "http.request", url=f"{url}/flaky/e?fail=1")],
        connections=[edge("first", "call")])
    row = await _start(wf)
    await drain(redis_url)
    done = await load_execution(row["id"])
    assert (done["status"], done["attempt"]) == ("completed", 2), done["error"]
    attempts = await _spans(done["id"], "attempt")
    assert [(s["attempt"], s["status"]) for s in attempts] == [(1, "failed"), (2, "completed")]
    nodes = await _spans(done["id"], "node")
    assert [(s["node_id"], s["parent"]) for s in nodes] == [
        ("first", attempts[0]["id"]), ("call", attempts[0]["id"]), ("call", attempts[1]["id"])]
    logs = await fetch("SELECT message FROM execution_log WHERE execution = $1", done["id"])
    assert any("attempt 1 failed" in log["message"] for log in logs)


async def test_execution_fails_only_after_its_last_attempt(
    factory: Factory, redis_url: str, http_server: Any
) -> None:
    url, recorder = http_server
    wf = await _workflow(factory, settings={"maxAttempts": 3, "retryBackoffSeconds": 0},
                         nodes=[node("call", "http.request", url=f"{url}/flaky/f?fail=9")])
    row = await _start(wf)
    await drain(redis_url)
    done = await load_execution(row["id"])
    assert (done["status"], done["attempt"]) == ("failed", 3)
    assert recorder.hits["f"] == 3
    assert [s["status"] for s in await _spans(done["id"], "attempt")] == ["failed"] * 3


async def test_execution_timeout_fails_without_retry(factory: Factory, redis_url: str) -> None:
    wf = await _workflow(factory, settings={"maxAttempts": 3, "timeoutSeconds": 1},
                         nodes=[node("wait", "delay", seconds=30)])
    row = await _start(wf)
    await drain(redis_url)
    done = await load_execution(row["id"])
    assert done["status"] == "failed"
    assert "timed out" in done["error"]
    assert [s["status"] for s in await _spans(done["id"], "node")] == ["failed"]


async def _wait_for(execution_id: int, status: str) -> dict[str, Any]:
    for _ in range(500):
        row = await load_execution(execution_id)
        if row["status"] == status:
            return row
        await asyncio.sleep(0.02)
    raise AssertionError(f"execution {execution_id} never became {status}")


async def test_cancel_stops_a_running_execution(factory: Factory, redis_url: str) -> None:
    wf = await _workflow(factory, nodes=[node("wait", "delay", seconds=60)])
    row = await _start(wf)
    worker = asyncio.create_task(drain(redis_url))
    await _wait_for(row["id"], "running")
    for _ in range(500):  # the node is running (a cancel before it starts leaves no node span)
        if await _spans(row["id"], "node"):
            break
        await asyncio.sleep(0.02)
    await cancel_execution(row["id"], actor_id=None)
    await asyncio.wait_for(worker, 30)
    done = await load_execution(row["id"])
    assert done["status"] == "cancelled"
    assert [s["status"] for s in await _spans(done["id"], "node")] == ["cancelled"]
    assert [s["status"] for s in await _spans(done["id"], "execution")] == ["cancelled"]


async def test_concurrency_limit_runs_executions_one_at_a_time_in_order(
    factory: Factory, redis_url: str
) -> None:
    wf = await _workflow(factory, settings={"concurrency": 1},
                         nodes=[node("wait", "delay", seconds=0.2)])
    rows = [await _start(wf) for _ in range(3)]
    await drain(redis_url)
    done = [await load_execution(r["id"]) for r in rows]
    assert [d["status"] for d in done] == ["completed"] * 3
    for earlier, later in itertools.pairwise(done):
        assert earlier["ended_at"] <= later["started_at"]


async def test_retry_from_failed_node_reuses_outputs_of_completed_nodes(
    factory: Factory, redis_url: str, http_server: Any
) -> None:
    url, _ = http_server
    nodes = [node("first", value="{{ input.v }}"),
             node("call", "http.request", url=f"{url}/status/404")]
    wf = await _workflow(factory, settings={"maxAttempts": 1}, nodes=nodes,
                         connections=[edge("first", "call")])
    failed = await _start(wf, {"v": 5})
    await drain(redis_url)
    assert (await load_execution(failed["id"]))["status"] == "failed"
    nodes[1] = node("call", "http.request", method="POST", url=f"{url}/echo",
                    body="{{ nodes.first.output }}")
    await Workflow.update({Workflow.nodes: nodes, Workflow.version: 2}).where(
        Workflow.id == wf["id"])
    retry = await retry_execution(failed["id"], from_node="FAILED_NODE", version="LATEST",
                                  triggered_by=None)
    await drain(redis_url)
    done = await load_execution(retry["id"])
    assert done["status"] == "completed", done["error"]
    assert done["outputs"]["call"]["output"]["body"]["body"] == 5
    assert [s["node_id"] for s in await _spans(done["id"], "node")] == ["call"]
