"""The issue's acceptance run: a 5-node workflow with a parallel branch, a condition and an
error handler, started manually, by webhook and by schedule, each with a full span tree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from domain._sql import fetch
from domain.executions import load_execution, start_execution
from domain.schedules import fire_due_schedules
from domain.webhooks import ensure_webhook_token
from graphql_api.app import create_app
from tests.engine.conftest import drain
from tests.engine.servers import serve
from tests.engine.test_runner import edge, node
from tests.factory import Factory


def _definition(url: str, key: str) -> dict[str, Any]:
    call = node("call", "http.request", method="POST", url=f"{url}/flaky/{key}?fail=9")
    call["retry"] = {"maxAttempts": 2, "backoffSeconds": 0}
    return {
        "nodes": [node("fan", "parallel-branch"),
                  node("check", "condition",
                       expression="'scheduledAt' in input or input.amount > 100"),
                  call,
                  node("report", value={"big": "{{ nodes.check.output.result }}"}),
                  node("alert", "error-handler")],
        "connections": [edge("fan", "check"), edge("fan", "call"),
                        edge("check", "report", "true"), edge("call", "alert", "error")],
    }


async def _assert_full_run(execution_id: int) -> None:
    done = await load_execution(execution_id)
    assert done.status == "completed", done.error
    spans = await fetch("SELECT id, parent, kind, node_id, attempt, status FROM execution_span"
                        " WHERE execution = $1 ORDER BY id", execution_id)
    root = [s for s in spans if s["kind"] == "execution"]
    attempts = [s for s in spans if s["kind"] == "attempt"]
    assert [s["parent"] for s in attempts] == [root[0]["id"]]
    nodes = sorted((s["node_id"], s["attempt"], s["status"]) for s in spans
                   if s["kind"] == "node")
    assert nodes == [("alert", 1, "completed"), ("call", 1, "failed"), ("call", 2, "failed"),

                     ("check", 1, "completed"), ("fan", 1, "completed"),
                     ("report", 1, "completed")]
    assert all(s["parent"] == attempts[0]["id"] for s in spans if s["kind"] == "node")
    assert done.outputs["report"]["output"] == {"big": True}


async def test_workflow_runs_from_manual_webhook_and_schedule_triggers(
    factory: Factory, redis_url: str, http_server: Any
) -> None:
    url, _ = http_server
    org = await factory.org()
    user = await factory.user(org=org)
    hook = await factory.workflow(org, user, status="active", trigger={"type": "webhook"},
                                  **_definition(url, "hook"))
    cron = await factory.workflow(org, user, status="active",
                                  trigger={"type": "schedule", "cron": "* * * * *"},
                                  **_definition(url, "cron"))
    manual = await start_execution(hook["id"], trigger_type="manual", triggered_by=user["id"],
                                   input={"amount": 150})
    token = await ensure_webhook_token(hook["id"])
    async with serve(create_app()) as api, httpx.AsyncClient(base_url=api) as client:
        answer = await client.post(f"/webhooks/{token}", json={"amount": 150})
    assert answer.status_code == 202
    scheduled = await fire_due_schedules(datetime.now(UTC))
    assert len(scheduled) == 1
    assert (await load_execution(scheduled[0])).workflow == cron["id"]
    await drain(redis_url)
    for execution_id in (manual.id, answer.json()["executionId"], scheduled[0]):
        await _assert_full_run(execution_id)
