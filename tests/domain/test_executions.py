"""Starting, retrying and cancelling executions: rows, summaries, events, dispatch."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from arq.jobs import Job, JobStatus

from db.tables import Event, ExecutionSummary, Workflow
from domain._sql import fetch
from domain.dispatch import DEFAULT_QUEUE, arq_pool, job_id
from domain.errors import Conflict, NotFound
from domain.events import execution_stream
from domain.execution_counts import execution_counts
from domain.executions import cancel_execution, retry_execution, start_execution
from domain.recording import Fenced, Outputs, SpanDone, SpanOpen, StatusChange, record
from domain.rows import FullExecutionRow
from tests.factory import Factory


async def _workflow(factory: Factory, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    org = await factory.org()
    user = await factory.user(org=org)
    return await factory.workflow(org, user, **fields), user


async def _job_status(execution: FullExecutionRow, redis_url: str) -> JobStatus:
    pool = await arq_pool(redis_url)
    job_key = job_id(execution.organization, execution.id,
                     execution.dispatch_generation)
    return await Job(job_key, pool, _queue_name=execution.queue_name).status()


async def test_start_creates_pending_execution_with_snapshot_and_enqueues(
    factory: Factory, redis_url: str
) -> None:
    wf, user = await _workflow(factory, settings={"maxAttempts": 5})
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=user["id"],
                                input={"x": 1})
    assert row.status == "pending"
    assert row.input == {"x": 1}
    assert row.definition["nodes"] == wf["nodes"]
    assert (row.workflow_version, row.max_attempts) == (1, 5)
    assert row.queue_name == DEFAULT_QUEUE
    assert await _job_status(row, redis_url) == JobStatus.queued
    summary = await ExecutionSummary.select().where(ExecutionSummary.execution == row.id)
    assert summary[0]["status"] == "pending"
    assert await execution_counts([wf["id"]]) == {wf["id"]: 1}
    events = await Event.select(Event.stream, Event.kind, Event.feed)
    # One event: its own stream's first, and on the feeds (domain.events).
    assert events == [{"stream": execution_stream(row.id), "kind": "execution",
                       "feed": True}]


async def test_concurrent_starts_of_one_workflow_all_succeed(factory: Factory) -> None:
    wf, _ = await _workflow(factory)
    rows = await asyncio.gather(*(start_execution(
        wf["id"], trigger_type="manual", triggered_by=None, input={"n": n}) for n in range(20)))
    assert len({row.id for row in rows}) == 20
    assert await execution_counts([wf["id"]]) == {wf["id"]: 20}


async def _waiting_for_a_lock() -> bool:
    rows = await fetch("SELECT count(*) AS n FROM pg_stat_activity"
                       " WHERE datname = current_database() AND wait_event_type = 'Lock'")
    return bool(rows[0]["n"])


async def test_start_that_races_an_archive_sees_it_and_creates_nothing(
    factory: Factory, database_url: str
) -> None:
    """The workflow is read without a lock; the share lock taken at the end sees the archive
    that committed meanwhile, so no execution of an archived workflow is left behind."""
    wf, _ = await _workflow(factory)
    archiver = await asyncpg.connect(database_url)
    try:
        archive = archiver.transaction()
        await archive.start()
        await archiver.execute("UPDATE workflow SET status = 'archived' WHERE id = $1", wf["id"])
        start = asyncio.create_task(start_execution(
            wf["id"], trigger_type="manual", triggered_by=None, input={}))
        for _ in range(200):
            if await _waiting_for_a_lock():
                break
            await asyncio.sleep(0.02)
        assert not start.done(), "the start did not wait for the archive"
        await archive.commit()
    finally:
        await archiver.close()
    with pytest.raises(Conflict, match="archived"):
        await start
    assert await fetch("SELECT id FROM execution") == []


async def test_idempotency_key_returns_the_same_execution(factory: Factory) -> None:
    wf, _ = await _workflow(factory)
    first = await start_execution(wf["id"], trigger_type="webhook", triggered_by=None,
                                  input={}, idempotency_key="k1")
    again = await start_execution(wf["id"], trigger_type="webhook", triggered_by=None,
                                  input={}, idempotency_key="k1")
    assert again.id == first.id
    assert len(await fetch("SELECT id FROM execution")) == 1


async def test_start_of_unknown_or_archived_workflow_is_refused(factory: Factory) -> None:
    wf, _ = await _workflow(factory, status="archived")
    with pytest.raises(Conflict):
        await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    with pytest.raises(NotFound):
        await start_execution(10**6, trigger_type="manual", triggered_by=None, input={})


async def test_cancel_pending_execution_ends_it_at_once(factory: Factory) -> None:
    wf, user = await _workflow(factory)
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    cancelled = await cancel_execution(row.id, actor_id=user["id"])
    assert cancelled.status == "cancelled"
    assert cancelled.ended_at is not None
    assert (await cancel_execution(row.id, actor_id=None)).status == "cancelled"


async def test_cancel_running_execution_asks_its_worker(factory: Factory) -> None:
    wf, _ = await _workflow(factory)
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    await record(row.id, StatusChange("running"))
    asked = await cancel_execution(row.id, actor_id=None)
    assert (asked.status, asked.cancel_requested) == ("running", True)


async def test_cancel_of_completed_execution_is_a_conflict(factory: Factory) -> None:
    wf, _ = await _workflow(factory)
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    await record(row.id, StatusChange("completed"))
    with pytest.raises(Conflict):
        await cancel_execution(row.id, actor_id=None)


async def test_stale_generation_cannot_write(factory: Factory) -> None:
    wf, _ = await _workflow(factory)
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    with pytest.raises(Fenced):
        await record(row.id, StatusChange("running"),
                     generation=row.dispatch_generation + 1)
    await record(row.id, StatusChange("running"), generation=row.dispatch_generation)


async def test_retry_from_failed_node_reuses_completed_outputs(
    factory: Factory, redis_url: str
) -> None:
    nodes = [{"id": "a", "type": "transform", "params": {"value": 1}},
             {"id": "b", "type": "transform", "params": {"value": 2}}]
    wf, user = await _workflow(factory, nodes=nodes)
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None,
                                input={"q": 1})
    await record(row.id, StatusChange("failed", "b broke"), Outputs({"a": 1}))
    await Workflow.update({Workflow.nodes: nodes[:1], Workflow.version: 2}).where(
        Workflow.id == wf["id"])
    pinned = await retry_execution(row.id, from_node="FAILED_NODE", version="PINNED",
                                   triggered_by=user["id"])
    assert (pinned.retry_of, pinned.retry_from) == (row.id, "FAILED_NODE")
    assert (pinned.outputs, pinned.input, pinned.workflow_version) == (
        {"a": 1}, {"q": 1}, 1)
    assert [n["id"] for n in pinned.definition["nodes"]] == ["a", "b"]
    latest = await retry_execution(row.id, from_node="START", version="LATEST",
                                   triggered_by=None)
    assert (latest.outputs, latest.workflow_version) == ({}, 2)
    assert await _job_status(latest, redis_url) == JobStatus.queued


async def test_retry_of_unfinished_execution_is_a_conflict(factory: Factory) -> None:
    wf, _ = await _workflow(factory)
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    with pytest.raises(Conflict):
        await retry_execution(row.id, from_node="START", version="PINNED", triggered_by=None)


async def test_summary_row_follows_every_status_change(factory: Factory) -> None:
    wf, _ = await _workflow(factory)
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    columns = "status, attempt, error, started_at, ended_at, duration_ms"
    for change in (StatusChange("running", fields={"attempt": 1}),
                   StatusChange("failed", error="boom")):
        await record(row.id, change)
        execution = await fetch(f"SELECT {columns} FROM execution WHERE id = $1", row.id)
        summary = await fetch(f"SELECT {columns} FROM execution_summary WHERE execution = $1",
                              row.id)
        assert summary == execution and execution[0]["status"] == change.status
    assert summary[0]["error"] == "boom" and summary[0]["ended_at"] is not None


async def test_done_spans_of_one_call_take_their_ids_and_events_in_the_order_given(
    factory: Factory,
) -> None:
    wf, _ = await _workflow(factory)
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    nodes = ["c", "a", "b"]
    done = await record(row.id, *(SpanDone(
        "node", None, node, 1, started_ago=0.3 - i * 0.1, ended_ago=0.25 - i * 0.1,
        status="completed" if node != "a" else "failed", output={"n": node},
        error="x" if node == "a" else None) for i, node in enumerate(nodes)))
    spans = await fetch("SELECT id, node_id, status, output->>'n' AS n, error, duration_ms"
                        " FROM execution_span WHERE execution = $1 ORDER BY id", row.id)
    assert [s["id"] for s in spans] == done.span_ids
    assert [(s["node_id"], s["n"], s["status"], s["error"]) for s in spans] == [
        ("c", "c", "completed", None), ("a", "a", "failed", "x"), ("b", "b", "completed", None)]
    assert all(s["duration_ms"] == 50 for s in spans)
    events = await fetch("SELECT payload->>'nodeId' AS node, payload->>'status' AS status"
                         " FROM event WHERE stream = $1 AND kind = 'span' ORDER BY seq",
                         execution_stream(row.id))
    assert [(e["node"], e["status"]) for e in events] == [
        ("c", "running"), ("c", "completed"), ("a", "running"), ("a", "failed"),
        ("b", "running"), ("b", "completed")]


async def test_spans_opened_together_can_name_each_other_as_parents(factory: Factory) -> None:
    wf, _ = await _workflow(factory)
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    root = (await record(row.id, SpanOpen("execution"))).span_ids[0]
    opened = (await record(row.id, SpanOpen("attempt", parent_id=root, attempt=2),
                           SpanOpen("node", node_id="a", parent_opened=0, attempt=2),
                           SpanOpen("node", node_id="b", parent_opened=1, attempt=2))).span_ids
    spans = await fetch("SELECT id, parent, kind, node_id, attempt, status FROM execution_span"
                        " WHERE execution = $1 ORDER BY id", row.id)
    assert [(s["id"], s["parent"], s["kind"], s["node_id"], s["status"]) for s in spans] == [
        (root, None, "execution", None, "running"),
        (opened[0], root, "attempt", None, "running"),
        (opened[1], opened[0], "node", "a", "running"),
        (opened[2], opened[1], "node", "b", "running")]
    assert {s["attempt"] for s in spans[1:]} == {2}
    with pytest.raises(ValueError, match="not one opened before it"):
        await record(row.id, SpanOpen("node", parent_opened=0))
