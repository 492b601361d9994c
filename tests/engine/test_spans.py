"""Spans tell the truth, over a workflow with a node of every type: each node span (instant
ones included) has a start event and then an end event; no child starts before or ends after
its parent; a node never starts before the nodes it depends on ended; the terminal status is
the run's last event."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from db.tables import AiModel, DataSource
from domain import secret_store
from domain._sql import fetch
from domain.executions import load_execution, start_execution
from domain.node_types import node_types
from engine.journal import Journal
from tests.engine.conftest import drain
from tests.engine.test_runner import edge, node
from tests.factory import Factory


def _graph(url: str) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    read = node("read", "source.postgres", query="SELECT 'widget' AS name, 1 AS qty")
    write = node("write", "destination.postgres", table="span_test_target",
                 rows="{{ nodes.read.output.rows }}")
    read["dataSource"] = write["dataSource"] = "warehouse"
    ask = node("ask", "ai.chat", prompt="Summarize {{ nodes.t2.output }}")
    ask["model"] = "small-chat"
    nodes = [
        node("a", "http.request", url=f"{url}/echo"),
        node("t", value="{{ nodes.a.output.status }}"),
        node("c", "condition", expression="nodes.t.output == 200"),
        node("p", "parallel-branch"),
        node("d", "delay", seconds=0.2), node("t2", value="x"), read, write, ask,
        node("bad", "http.request", method="POST", url=f"{url}/status/400"),
        node("catch", "error-handler"), node("last", value="done"),
        node("py", "python", code="def main(inputs):\n    return inputs['nodes']['last']\n"),
    ]
    edges = [edge("a", "t"), edge("t", "c"), edge("c", "p", "true"), edge("p", "d"),
             edge("p", "t2"), edge("d", "read"), edge("read", "write"), edge("t2", "ask"),
             edge("ask", "bad"), edge("bad", "catch", "error"), edge("catch", "last"),
             edge("last", "py")]
    return nodes, edges


async def _org_with_services(factory: Factory, url: str, database_url: str) -> dict[str, Any]:
    await fetch("CREATE TABLE IF NOT EXISTS span_test_target (name text, qty int)")
    parts = urlsplit(database_url)
    org = await factory.org()
    await secret_store.set_secret(org["id"], "pg-password", "unused", actor=None)
    await secret_store.set_secret(org["id"], "model-key", "sk-test", actor=None)
    await DataSource(organization=org["id"], name="warehouse", type="postgres", config={
        "host": parts.hostname, "port": parts.port, "database": parts.path.lstrip("/"),
        "user": parts.username}, secret_ref={"secret": "pg-password"}).save()
    await AiModel(organization=org["id"], name="small-chat", model="tiny-1",
                  base_url=f"{url}/v1", secret_ref={"secret": "model-key"}).save()
    return org


async def test_spans_of_every_node_type_tell_the_truth(
    factory: Factory, redis_url: str, database_url: str, http_server: Any,
    secret_key: bytes, monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, _ = http_server
    monkeypatch.setenv("FLOWPLANE_SANDBOX", "auto")  # bubblewrap where it works
    org = await _org_with_services(factory, url, database_url)
    nodes, edges = _graph(url)
    assert {n["type"] for n in nodes} == set(node_types()), "a node type is not covered"
    wf = await factory.workflow(org, await factory.user(org=org), nodes=nodes,
                                connections=edges, settings={"maxAttempts": 1})
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    await drain(redis_url)
    done = await load_execution(row.id)
    assert done.status == "completed", done.error
    spans = {s["id"]: s for s in await fetch(
        "SELECT * FROM execution_span WHERE execution = $1", row.id)}
    by_node = {s["node_id"]: s for s in spans.values() if s["kind"] == "node"}
    assert set(by_node) == {n["id"] for n in nodes}
    await _each_span_starts_then_ends(row.id, spans)
    _children_lie_inside_their_parents(spans)
    for e in edges:
        before, after = by_node[e["from"]], by_node[e["to"]]
        assert before["ended_at"] <= after["started_at"], (e, before, after)
    assert all(s["duration_ms"] >= 0 for s in spans.values())


async def _each_span_starts_then_ends(execution_id: int, spans: dict[int, Any]) -> None:
    events = await fetch(
        "SELECT kind, payload FROM event WHERE stream = $1 ORDER BY seq",
        f"execution:{execution_id}")
    told: dict[int, list[str]] = {}
    for event in events:
        if event["kind"] == "span":
            payload = _json(event["payload"])
            told.setdefault(int(payload["spanId"]), []).append(payload["status"])
    assert {i: told.get(i) for i in spans} == {
        i: ["running", s["status"]] for i, s in spans.items()}
    last = _json(events[-1]["payload"])
    assert (events[-1]["kind"], last["status"]) == ("status", "completed")


def _children_lie_inside_their_parents(spans: dict[int, Any]) -> None:
    for span in spans.values():
        parent = spans.get(span["parent"])
        if parent is None:
            continue
        assert parent["started_at"] <= span["started_at"], (span, parent)
        assert span["ended_at"] <= parent["ended_at"], (span, parent)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def test_a_held_span_never_starts_before_the_write_that_preceded_its_taking(
    factory: Factory,
) -> None:
    """The delay between the worker reading its monotonic clock and the database reading its
    own differs from write to write; a span held back across a write is placed no earlier than
    that write, so a successor placed by it never appears to start before its predecessor
    ended. Simulated with a span whose start the worker saw long before the previous write."""
    org = await factory.org()
    wf = await factory.workflow(org, await factory.user(org=org), nodes=[node("a", value=1)])
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    journal = Journal(row.id, row.dispatch_generation)
    attempt = await journal.open("attempt", None, attempt=1)
    started = time.monotonic() - 5.0  # five seconds before the attempt span opened
    await journal.done(attempt, "a", 1, started, "completed", output=1)
    await journal.log("a write that takes the held span")
    (span,) = await fetch(
        "SELECT s.started_at, s.ended_at, s.duration_ms, p.started_at AS opened"
        " FROM execution_span s JOIN execution_span p ON p.id = s.parent"
        " WHERE s.execution = $1 AND s.kind = 'node'", row.id)
    assert span["opened"] <= span["started_at"] <= span["ended_at"]
    assert span["duration_ms"] == round(
        (span["ended_at"] - span["started_at"]).total_seconds() * 1000)
