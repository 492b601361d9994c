"""Executions run end to end through a real arq worker: DAG order, routing, spans, logs."""

from __future__ import annotations

from typing import Any

from domain._sql import decode, fetch
from domain.executions import load_execution, start_execution
from domain.rows import FullExecutionRow
from tests.engine.conftest import drain
from tests.factory import Factory


async def _run(factory: Factory, redis_url: str, input: Any = None,
               **workflow: Any) -> FullExecutionRow:
    org = await factory.org()
    user = await factory.user(org=org)
    wf = await factory.workflow(org, user, **workflow)
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=user["id"],
                                input=input or {})
    await drain(redis_url)
    return await load_execution(row.id)


async def _spans(execution_id: int) -> list[dict[str, Any]]:
    rows = await fetch("SELECT * FROM execution_span WHERE execution = $1 ORDER BY id",
                       execution_id)
    return [decode(r) for r in rows]


def node(node_id: str, type: str = "transform", **params: Any) -> dict[str, Any]:
    return {"id": node_id, "type": type, "params": params}


def edge(a: str, b: str, on: str = "success") -> dict[str, str]:
    return {"from": a, "to": b, "on": on}


async def test_linear_workflow_completes_with_span_tree(factory: Factory, redis_url: str) -> None:
    done = await _run(
        factory, redis_url, {"name": "ada"},
        nodes=[node("a", value="{{ input.name }}"),
               node("b", value={"greeting": "hi {{ nodes.a.output }}"})],
        connections=[edge("a", "b")],
    )
    assert done.status == "completed", done.error
    assert done.outputs["b"]["output"] == {"greeting": "hi ada"}
    spans = await _spans(done.id)
    root, attempt, a, b = spans
    assert (root["kind"], root["parent"], root["status"]) == ("execution", None, "completed")
    assert (attempt["kind"], attempt["parent"], attempt["attempt"]) == ("attempt", root["id"], 1)
    assert [(s["node_id"], s["parent"], s["status"]) for s in (a, b)] == [
        ("a", attempt["id"], "completed"), ("b", attempt["id"], "completed")]
    assert b["output"] == {"greeting": "hi ada"}
    assert all(s["duration_ms"] is not None for s in spans)
    assert done.duration_ms is not None and done.started_at is not None
    summary = await fetch("SELECT status FROM execution_summary WHERE execution = $1", done.id)
    assert summary[0]["status"] == "completed"


async def test_condition_routes_to_its_true_branch_only(factory: Factory, redis_url: str) -> None:
    done = await _run(
        factory, redis_url, {"amount": 150},
        nodes=[node("check", "condition", expression="input.amount > 100"),
               node("big", value="big"), node("small", value="small"),
               node("after", value="{{ nodes.big.output }}")],
        connections=[edge("check", "big", "true"), edge("check", "small", "false"),
                     edge("big", "after"), edge("small", "after")],
    )
    assert done.status == "completed", done.error
    assert set(done.outputs) == {"check", "big", "after"}
    assert done.outputs["after"]["output"] == "big"


async def test_unhandled_node_failure_fails_the_execution(factory: Factory, redis_url: str) -> None:
    done = await _run(factory, redis_url, nodes=[node("a", value="{{ input.missing }}")],
                      settings={"maxAttempts": 3})
    assert done.status == "failed"
    assert "missing" in done.error
    # a template error cannot succeed on retry: one attempt only
    assert done.attempt == 1


async def test_error_handler_marks_failure_handled(factory: Factory, redis_url: str) -> None:
    done = await _run(
        factory, redis_url,
        nodes=[node("bad", value="{{ input.nope }}"), node("next", value=1),
               node("catch", "error-handler")],
        connections=[edge("bad", "next"), edge("bad", "catch", "error")],
    )
    assert done.status == "completed", done.error
    spans = {s["node_id"]: s for s in await _spans(done.id) if s["kind"] == "node"}
    assert spans["bad"]["status"] == "failed"
    assert "next" not in spans
    assert spans["catch"]["output"]["error"]["node"] == "bad"
    logs = await fetch("SELECT node_id, level FROM execution_log WHERE execution = $1",
                       done.id)
    assert {"node_id": "catch", "level": "warning"} in logs
