"""Executions as OpenTelemetry traces, for real: `flowplane serve` and `flowplane worker`
export over OTLP/HTTP to a receiver in the test that decodes the protobuf; the trace mirrors
the span rows, links to the runWorkflow request that started it, and the downstream service
sees the node's `traceparent`. Unset, nothing is sent; a collector that is away costs the run
nothing and shows in the drop counter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from domain._sql import fetch
from domain.executions import load_execution, start_execution
from engine.sandbox import bwrap_problem
from flowplane.embedded import free_port
from graphql_api.types.ids import global_id, parse_global_id
from tests.engine.servers import serve
from tests.engine.test_metrics import FAST, RUN, _ended, _with_port
from tests.engine.test_runner import edge, node
from tests.factory import Factory
from tests.otlp import ReceivedSpan, Receiver
from tests.processes import ApiServer, FlowplaneProcess
from tests.scrape import scraped_until, value

CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_PARENT = f"00-{CLIENT_TRACE}-00f067aa0ba902b7-01"


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, Receiver]]:
    received = Receiver()
    async with serve(received.app()) as url:
        yield url, received


@pytest.fixture
def processes() -> Iterator[list[FlowplaneProcess]]:
    started: list[FlowplaneProcess] = []
    yield started
    for process in started:
        process.stop()


def _env(database_url: str, redis_url: str, **otel: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url, **FAST,
            "OTEL_BSP_SCHEDULE_DELAY": "50", **otel}


def _definition(url: str) -> dict[str, Any]:
    flaky = node("flaky", "http.request", method="GET", url=f"{url}/flaky/trace?fail=1")
    flaky["retry"] = {"maxAttempts": 2, "backoffSeconds": 0}
    return {"nodes": [node("a", value=1),
                      node("call", "http.request", method="POST", url=f"{url}/echo"), flaky],
            "connections": [edge("a", "call"), edge("a", "flaky")]}


async def _spans_of(received: Receiver, trace_id: str, count: int) -> list[ReceivedSpan]:
    for _ in range(300):
        spans = received.trace(trace_id)
        if len(spans) >= count:
            return spans
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} spans of trace {trace_id} not received: {received.spans}")


def _ns(value: Any) -> int:
    return int(value.timestamp() * 1_000_000_000)


async def test_an_execution_is_one_trace_mirroring_its_spans_and_linked_to_its_request(
    factory: Factory, database_url: str, redis_url: str, http_server: Any,
    receiver: tuple[str, Receiver], processes: list[FlowplaneProcess],
) -> None:
    url, recorder = http_server
    collector, received = receiver
    env = _env(database_url, redis_url, OTEL_EXPORTER_OTLP_ENDPOINT=collector)
    org = await factory.org()
    user = await factory.user(org=org, role="admin")
    token = await factory.token(user, org)
    workflow = await factory.workflow(org, user, status="active", **_definition(url))
    api = ApiServer(env).start()
    processes += [api, FlowplaneProcess(["worker"], env).start()]
    async with httpx.AsyncClient(base_url=api.url) as client:
        answer = await client.post("/graphql", json={
            "query": RUN, "variables": {"w": global_id("Workflow", workflow["id"])}},
            headers={"Authorization": f"Bearer {token}", "traceparent": CLIENT_PARENT})
    parsed = parse_global_id(answer.json()["data"]["runWorkflow"]["id"])
    assert parsed is not None
    execution_id = parsed[1]
    assert await _ended([execution_id]) == {execution_id: "completed"}
    execution = await load_execution(execution_id)
    rows = await fetch("SELECT * FROM execution_span WHERE execution = $1 ORDER BY id",
                       execution_id)
    spans = await _spans_of(received, execution.trace_id, len(rows))

    assert len(spans) == len(rows) == 6  # execution, attempt, a, call, flaky twice
    row_ids = {}
    for row in rows:  # each row has its span: same name, same times (to the microsecond)
        name = row["node_id"] or row["kind"]
        match = [s for s in spans if s.name == name and s.start_ns // 1000 == _ns(
            row["started_at"]) // 1000 and s.end_ns // 1000 == _ns(row["ended_at"]) // 1000]
        assert len(match) == 1, (row, spans)
        row_ids[int(row["id"])] = match[0]
        assert match[0].attributes["flowplane.execution.id"] == execution_id
        assert match[0].attributes["flowplane.workflow.id"] == workflow["id"]
        assert match[0].attributes["flowplane.workflow.name"] == workflow["name"]
        assert match[0].status_code == (1 if row["status"] == "completed" else 2)
    for row in rows:  # the tree of the rows is the tree of the trace
        span = row_ids[int(row["id"])]
        parent = row_ids[int(row["parent"])].span_id if row["parent"] else ""
        assert span.parent_span_id == parent, row
    failed = [s for s in spans if s.status_code == 2]
    assert [(s.name, s.attributes["flowplane.node.type"]) for s in failed] == [
        ("flaky", "http.request")]
    assert "503" in failed[0].status_message and failed[0].events == ["exception"]

    root = next(s for s in spans if s.name == "execution")
    assert execution.traceparent.split("-")[1] == CLIENT_TRACE
    request_span = execution.traceparent.split("-")[2]
    assert root.links == [(CLIENT_TRACE, request_span)]
    api_spans = await _spans_of(received, CLIENT_TRACE, 1)
    assert any(s.span_id == request_span and s.service == "flowplane-api" for s in api_spans)

    # Each try of each http.request node sent the traceparent of its own span.
    calls = [s for s in spans if s.attributes.get("flowplane.node.type") == "http.request"]
    assert len(calls) == 3  # call, and flaky twice
    sent = [h["traceparent"] for h in recorder.headers if "traceparent" in h]
    assert sorted(sent) == sorted(f"00-{execution.trace_id}-{s.span_id}-01" for s in calls)


async def test_nothing_is_exported_or_propagated_without_a_collector(
    factory: Factory, database_url: str, redis_url: str, http_server: Any,
    processes: list[FlowplaneProcess],
) -> None:
    url, recorder = http_server
    org = await factory.org()
    user = await factory.user(org=org)
    workflow = await factory.workflow(org, user, status="active", **_definition(url))
    env = _env(database_url, redis_url)
    processes.append(FlowplaneProcess(["worker"], env, drop=(
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")).start())
    execution = await start_execution(workflow["id"], trigger_type="manual", triggered_by=None,
                                      input={})
    assert await _ended([execution.id]) == {execution.id: "completed"}
    assert recorder.headers and not any("traceparent" in h for h in recorder.headers)


async def test_a_collector_that_is_away_never_fails_a_run_and_drops_are_counted(
    factory: Factory, database_url: str, redis_url: str, processes: list[FlowplaneProcess],
) -> None:
    org = await factory.org()
    user = await factory.user(org=org)
    workflow = await factory.workflow(org, user, status="active")
    away = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = _env(database_url, redis_url, OTEL_EXPORTER_OTLP_ENDPOINT=away,
               OTEL_EXPORTER_OTLP_TIMEOUT="1")
    worker, metrics = _with_port(["worker"], env)
    processes.append(worker)
    execution = await start_execution(workflow["id"], trigger_type="manual", triggered_by=None,
                                      input={})
    assert await _ended([execution.id]) == {execution.id: "completed"}
    seen = await scraped_until(metrics, lambda s: value(
        s, "flowplane_trace_spans_dropped_total") >= 3, "the dropped spans counted", within=60)
    assert value(seen, "flowplane_trace_spans_total") == 0


@pytest.mark.skipif(bwrap_problem() is not None,
                    reason=f"bubblewrap (Debian `bubblewrap`) cannot run a sandbox here: "
                           f"{bwrap_problem()}")
async def test_a_python_node_sees_its_own_spans_traceparent(
    factory: Factory, database_url: str, redis_url: str, receiver: tuple[str, Receiver],
    processes: list[FlowplaneProcess],
) -> None:
    collector, received = receiver
    env = _env(database_url, redis_url, OTEL_EXPORTER_OTLP_ENDPOINT=collector)
    org = await factory.org()
    user = await factory.user(org=org)
    code = "import os\ndef main(inputs):\n    return os.environ.get('TRACEPARENT')\n"
    workflow = await factory.workflow(org, user, status="active",
                                      nodes=[node("p", "python", code=code)], connections=[])
    processes.append(FlowplaneProcess(["worker"], env).start())
    execution = await start_execution(workflow["id"], trigger_type="manual", triggered_by=None,
                                      input={})
    assert await _ended([execution.id]) == {execution.id: "completed"}
    done = await load_execution(execution.id)
    spans = await _spans_of(received, done.trace_id, 3)  # execution, attempt, p
    span = next(s for s in spans if s.name == "p")
    assert done.outputs["p"]["output"] == f"00-{done.trace_id}-{span.span_id}-01"
