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
from domain.rows import FullExecutionRow
from tests.engine.conftest import burst, dispatch_next_retry, drain
from tests.engine.test_runner import edge, node
from tests.factory import Factory


async def _workflow(factory: Factory, **fields: Any) -> dict[str, Any]:
    org = await factory.org()
    user = await factory.user(org=org)
    return await factory.workflow(org, user, **fields)


async def _start(wf: dict[str, Any], input: Any = None) -> FullExecutionRow:
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
    done = await load_execution(row.id)
    assert (done.status, done.attempt) == ("completed", 2), done.error
    attempts = await _spans(done.id, "attempt")
    assert [(s["attempt"], s["status"]) for s in attempts] == [(1, "failed"), (2, "completed")]
    nodes = await _spans(done.id, "node")
    assert [(s["node_id"], s["parent"]) for s in nodes] == [
        ("first", attempts[0]["id"]), ("call", attempts[0]["id"]), ("call", attempts[1]["id"])]
    logs = await fetch("SELECT message FROM execution_log WHERE execution = $1", done.id)
    assert any("attempt 1 failed" in log["message"] for log in logs)


async def test_execution_fails_only_after_its_last_attempt(
    factory: Factory, redis_url: str, http_server: Any
) -> None:
    url, recorder = http_server
    wf = await _workflow(factory, settings={"maxAttempts": 3, "retryBackoffSeconds": 0},
                         nodes=[node("call", "http.request", url=f"{url}/flaky/f?fail=9")])
    row = await _start(wf)
    await drain(redis_url)
    done = await load_execution(row.id)
    assert (done.status, done.attempt) == ("failed", 3)
    assert recorder.hits["f"] == 3
    assert [s["status"] for s in await _spans(done.id, "attempt")] == ["failed"] * 3


async def test_execution_timeout_fails_without_retry(factory: Factory, redis_url: str) -> None:
    wf = await _workflow(factory, settings={"maxAttempts": 3, "timeoutSeconds": 1},
                         nodes=[node("wait", "delay", seconds=30)])
    row = await _start(wf)
    await drain(redis_url)
    done = await load_execution(row.id)
    assert done.status == "failed"
    assert "timed out" in done.error
    assert [s["status"] for s in await _spans(done.id, "node")] == ["failed"]


async def _wait_for(execution_id: int, status: str) -> FullExecutionRow:
    for _ in range(500):
        row = await load_execution(execution_id)
        if row.status == status:
            return row
        await asyncio.sleep(0.02)
    raise AssertionError(f"execution {execution_id} never became {status}")


async def test_cancel_stops_a_running_execution(factory: Factory, redis_url: str) -> None:
    wf = await _workflow(factory, nodes=[node("wait", "delay", seconds=60)])
    row = await _start(wf)
    worker = asyncio.create_task(drain(redis_url))
    await _wait_for(row.id, "running")
    for _ in range(500):  # the node is running (a cancel before it starts leaves no node span)
        if await _spans(row.id, "node"):
            break
        await asyncio.sleep(0.02)
    await cancel_execution(row.id, actor_id=None)
    await asyncio.wait_for(worker, 30)
    done = await load_execution(row.id)
    assert done.status == "cancelled"
    assert [s["status"] for s in await _spans(done.id, "node")] == ["cancelled"]
    assert [s["status"] for s in await _spans(done.id, "execution")] == ["cancelled"]


async def test_concurrency_limit_runs_executions_one_at_a_time_in_order(
    factory: Factory, redis_url: str
) -> None:
    wf = await _workflow(factory, settings={"concurrency": 1},
                         nodes=[node("wait", "delay", seconds=0.2)])
    rows = [await _start(wf) for _ in range(3)]
    await drain(redis_url)
    done = [await load_execution(r.id) for r in rows]
    assert [d.status for d in done] == ["completed"] * 3
    for earlier, later in itertools.pairwise(done):
        assert earlier.ended_at <= later.started_at


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
    assert (await load_execution(failed.id)).status == "failed"
    nodes[1] = node("call", "http.request", method="POST", url=f"{url}/echo",
                    body="{{ nodes.first.output }}")
    await Workflow.update({Workflow.nodes: nodes, Workflow.version: 2}).where(
        Workflow.id == wf["id"])
    retry = await retry_execution(failed.id, from_node="FAILED_NODE", version="LATEST",
                                  triggered_by=None)
    await drain(redis_url)
    done = await load_execution(retry.id)
    assert done.status == "completed", done.error
    assert done.outputs["call"]["output"]["body"]["body"] == 5
    assert [s["node_id"] for s in await _spans(done.id, "node")] == ["call"]


async def _waiting(execution_id: int) -> FullExecutionRow:
    """The execution between two attempts, with its due time brought forward to now."""
    row = await load_execution(execution_id)
    assert (row.status, row.worker_id, row.lease_expires_at) == ("running", None, None)
    assert row.next_attempt_at is not None
    await fetch("UPDATE execution SET next_attempt_at = clock_timestamp() WHERE id = $1",
                execution_id)
    return row


async def test_the_wait_before_a_retry_holds_no_worker_slot(
    factory: Factory, redis_url: str, http_server: Any
) -> None:
    """A worker with one slot runs another execution while the failed one waits for its
    next attempt; the scheduler's dispatch at the due time runs that attempt."""
    url, recorder = http_server
    flaky = await _workflow(factory, settings={"maxAttempts": 2, "retryBackoffSeconds": 60},
                            nodes=[node("first", value=1),
                                   node("call", "http.request", url=f"{url}/flaky/w?fail=1")],
                            connections=[edge("first", "call")])
    quick = await _workflow(factory, nodes=[node("only", value=2)])
    failing, other = await _start(flaky), await _start(quick)
    assert await burst(redis_url, max_jobs=1) == 2  # not 60 s asleep in the only slot
    done = await load_execution(other.id)
    assert done.status == "completed"
    waiting = await _waiting(failing.id)
    assert (waiting.attempt, waiting.dispatch_generation) == (1, 1)
    assert waiting.next_attempt_at > done.ended_at  # on the database clock
    assert await dispatch_next_retry()
    assert await drain(redis_url) == 1
    row = await load_execution(failing.id)
    assert (row.status, row.attempt, row.dispatch_generation) == ("completed", 2, 2)
    assert row.next_attempt_at is None and recorder.hits["w"] == 2
    attempts = await _spans(row.id, "attempt")
    assert [(s["attempt"], s["status"]) for s in attempts] == [(1, "failed"), (2, "completed")]
    # The second attempt kept the first node's recorded result instead of running it again.
    nodes = await _spans(row.id, "node")
    assert [(s["node_id"], s["parent"]) for s in nodes] == [
        ("first", attempts[0]["id"]), ("call", attempts[0]["id"]), ("call", attempts[1]["id"])]
    assert len(await _spans(row.id, "execution")) == 1


async def test_a_retry_waiting_keeps_its_concurrency_slot(
    factory: Factory, redis_url: str, http_server: Any
) -> None:
    url, _ = http_server
    wf = await _workflow(
        factory, settings={"maxAttempts": 2, "retryBackoffSeconds": 60, "concurrency": 1},
        nodes=[node("call", "http.request",
                    url=f"{url}/flaky/{{{{ input.key }}}}?fail={{{{ input.fail }}}}")])
    first = await _start(wf, {"key": "c1", "fail": 1})
    second = await _start(wf, {"key": "c2", "fail": 0})
    await burst(redis_url)
    parked = await load_execution(second.id)
    assert (parked.status, parked.dispatched_at) == ("pending", None)
    await _waiting(first.id)
    assert await dispatch_next_retry()
    await drain(redis_url)  # the second runs once the first is over
    rows = [await load_execution(r.id) for r in (first, second)]
    assert [(r.status, r.attempt) for r in rows] == [("completed", 2), ("completed", 1)]
    assert rows[0].ended_at <= rows[1].started_at


async def test_cancel_between_attempts_ends_the_execution_at_once(
    factory: Factory, redis_url: str, http_server: Any
) -> None:
    url, _ = http_server
    wf = await _workflow(factory, settings={"maxAttempts": 3, "retryBackoffSeconds": 60},
                         nodes=[node("call", "http.request", url=f"{url}/flaky/x?fail=9")])
    row = await _start(wf)
    await burst(redis_url)
    await _waiting(row.id)
    await cancel_execution(row.id, actor_id=None)
    done = await load_execution(row.id)
    assert (done.status, done.error) == ("cancelled", "cancelled between attempts")
    assert [s["status"] for s in await _spans(row.id, "execution")] == ["cancelled"]
    assert not await dispatch_next_retry()
    assert await drain(redis_url) == 0
