"""Node executors against real local servers: HTTP, an OpenAI-compatible API, PostgreSQL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from db.tables import AiModel, DataSource
from domain import secret_store
from domain._sql import decode, fetch
from domain.executions import load_execution, start_execution
from domain.rows import FullExecutionRow
from tests.engine.conftest import drain
from tests.engine.test_runner import edge, node
from tests.factory import Factory


async def _run(factory: Factory, redis_url: str, input: Any = None, org: Any = None,
               **workflow: Any) -> FullExecutionRow:
    org = org or await factory.org()
    user = await factory.user(org=org)
    wf = await factory.workflow(org, user, **workflow)
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None,
                                input=input or {})
    await drain(redis_url)
    return await load_execution(row.id)


async def _node_spans(execution_id: int) -> list[dict[str, Any]]:
    rows = await fetch("SELECT * FROM execution_span WHERE execution = $1 AND kind = 'node'"
                       " ORDER BY id", execution_id)
    return [decode(r) for r in rows]


async def test_http_request_posts_rendered_body(
    factory: Factory, redis_url: str, http_server: Any
) -> None:
    url, recorder = http_server
    done = await _run(factory, redis_url, {"id": 7}, nodes=[node(
        "call", "http.request", method="POST", url=f"{url}/echo?x=1",
        headers={"X-Trace": "t-{{ input.id }}"}, body={"order": "{{ input.id }}"})])
    assert done.status == "completed", done.error
    output = done.outputs["call"]["output"]
    assert (output["status"], output["body"]["body"]) == (200, {"order": 7})
    assert recorder.headers[0]["x-trace"] == "t-7"


async def test_http_client_error_fails_at_once(
    factory: Factory, redis_url: str, http_server: Any
) -> None:
    url, recorder = http_server
    done = await _run(factory, redis_url, nodes=[node("call", "http.request",
                                                      url=f"{url}/status/404")],
                      settings={"maxAttempts": 3, "retryBackoffSeconds": 0})
    assert done.status == "failed"
    assert "404" in done.error
    assert recorder.hits["status"] == 1


async def test_node_retry_policy_retries_server_errors(
    factory: Factory, redis_url: str, http_server: Any
) -> None:
    url, recorder = http_server
    flaky = node("call", "http.request", url=f"{url}/flaky/n?fail=2")
    flaky["retry"] = {"maxAttempts": 3, "backoffSeconds": 0}
    done = await _run(factory, redis_url, nodes=[flaky], settings={"maxAttempts": 1})
    assert done.status == "completed", done.error
    spans = await _node_spans(done.id)
    assert [(s["attempt"], s["status"]) for s in spans] == [
        (1, "failed"), (2, "failed"), (3, "completed")]
    assert recorder.hits["n"] == 3


async def test_ai_chat_calls_openai_compatible_model(
    factory: Factory, redis_url: str, http_server: Any, secret_key: bytes
) -> None:
    url, recorder = http_server
    org = await factory.org()
    await secret_store.set_secret(org["id"], "model-key", "sk-test", actor=None)
    await AiModel(organization=org["id"], name="small-chat", model="tiny-1",
                  base_url=f"{url}/v1", secret_ref={"secret": "model-key"}).save()
    chat = node("ask", "ai.chat", prompt="Summarize {{ input.text }}", system="Be brief")
    chat["model"] = "small-chat"
    done = await _run(factory, redis_url, {"text": "sales"}, org=org, nodes=[chat])
    assert done.status == "completed", done.error
    assert done.outputs["ask"]["output"]["content"] == "echo: Summarize sales"
    assert recorder.bodies[0]["model"] == "tiny-1"
    assert recorder.bodies[0]["messages"][0] == {"role": "system", "content": "Be brief"}
    assert recorder.headers[0]["authorization"] == "Bearer sk-test"


async def test_unresolved_secret_fails_execution_at_once(
    factory: Factory, redis_url: str, secret_key: bytes
) -> None:
    org = await factory.org()
    await AiModel(organization=org["id"], name="m", model="x", base_url="http://127.0.0.1:1",
                  secret_ref={"secret": "flowplane-test-unset-key"}).save()
    chat = node("ask", "ai.chat", prompt="hi")
    chat["model"] = "m"
    done = await _run(factory, redis_url, org=org, nodes=[chat], settings={"maxAttempts": 3})
    assert done.status == "failed"
    assert "'flowplane-test-unset-key' does not exist" in done.error
    assert done.attempt == 1  # failed on its first attempt, not retried


async def test_postgres_source_and_destination_move_rows(
    factory: Factory, redis_url: str, database_url: str, secret_key: bytes
) -> None:
    await fetch("CREATE TABLE IF NOT EXISTS node_test_target (name text, qty int)")
    await fetch("TRUNCATE node_test_target")
    parts = urlsplit(database_url)
    org = await factory.org()
    await secret_store.set_secret(org["id"], "pg-password", "unused-with-trust-auth",
                                  actor=None)
    await DataSource(organization=org["id"], name="warehouse", type="postgres", config={
        "host": parts.hostname, "port": parts.port, "database": parts.path.lstrip("/"),
        "user": parts.username}, secret_ref={"secret": "pg-password"}).save()
    read = node("read", "source.postgres",
                query="SELECT 'widget' AS name, $1::int AS qty", params=["{{ input.qty }}"])
    write = node("write", "destination.postgres", table="node_test_target",
                 rows="{{ nodes.read.output.rows }}")
    read["dataSource"] = write["dataSource"] = "warehouse"
    done = await _run(factory, redis_url, {"qty": 4}, org=org, nodes=[read, write],
                      connections=[edge("read", "write")])
    assert done.status == "completed", done.error
    assert done.outputs["write"]["output"] == {"inserted": 1}
    rows = await fetch("SELECT name, qty FROM node_test_target")
    assert rows == [{"name": "widget", "qty": 4}]


async def test_node_timeout_fails_the_node(factory: Factory, redis_url: str) -> None:
    done = await _run(factory, redis_url, nodes=[node("wait", "delay", seconds=30)],
                      settings={"maxAttempts": 1, "nodeTimeoutSeconds": 1})
    assert done.status == "failed"
    assert "timed out" in done.error


async def test_parallel_branches_run_concurrently(factory: Factory, redis_url: str) -> None:
    done = await _run(
        factory, redis_url,
        nodes=[node("fan", "parallel-branch"), node("left", "delay", seconds=1),
               node("right", "delay", seconds=1), node("join", value="both")],
        connections=[edge("fan", "left"), edge("fan", "right"), edge("left", "join"),
                     edge("right", "join")],
    )
    assert done.status == "completed", done.error
    spans = {s["node_id"]: s for s in await _node_spans(done.id)}
    left, right = spans["left"], spans["right"]
    # each branch started before the other one ended: they overlapped
    assert left["started_at"] < right["ended_at"] and right["started_at"] < left["ended_at"]
    assert spans["join"]["started_at"] >= max(left["ended_at"], right["ended_at"])
