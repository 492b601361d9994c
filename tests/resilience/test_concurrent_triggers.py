"""Many triggers of one workflow at once, through a real `flowplane serve`: 20 concurrent
`runWorkflow` calls and 20 concurrent webhook deliveries all start their execution (no
deadlock on the workflow row, no "Unexpected error", every webhook answered 202), and the
workflow counts every one."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from domain._sql import fetch
from domain.execution_counts import execution_counts
from domain.webhooks import ensure_webhook_token
from tests.factory import Factory
from tests.graphql_api._ws import auth
from tests.graphql_api.conftest import gid
from tests.processes import ApiServer

pytestmark = [pytest.mark.resilience, pytest.mark.slow]
CALLS = 20
RUN = """mutation($id: ID!, $input: JSON) {
  runWorkflow(workflowId: $id, input: $input) { __typename ... on Execution { id status } }
}"""


async def _counts(workflow_id: int) -> tuple[int, int]:
    rows = await fetch("SELECT count(*) AS n FROM execution WHERE workflow = $1", workflow_id)
    return (await execution_counts([workflow_id]))[workflow_id], int(rows[0]["n"])


async def _at_once(requests: list[Any]) -> list[httpx.Response]:
    return list(await asyncio.gather(*requests))


async def test_concurrent_run_workflow_calls_all_start_an_execution(
    factory: Factory, api: ApiServer
) -> None:
    org = await factory.org()
    user = await factory.user(org=org)
    headers = auth(await factory.token(user, org), org)
    workflow = await factory.workflow(org, user)
    async with httpx.AsyncClient(base_url=api.url, headers=headers, timeout=60) as client:
        answers = await _at_once([
            client.post("/graphql", json={"query": RUN, "variables": {
                "id": gid("Workflow", workflow["id"]), "input": {"n": n}}})
            for n in range(CALLS)])
    runs = [a.json() for a in answers]
    assert [a.status_code for a in answers] == [200] * CALLS, runs
    started = [r["data"]["runWorkflow"] for r in runs if "errors" not in r]
    assert [s["__typename"] for s in started] == ["Execution"] * CALLS, runs
    assert len({s["id"] for s in started}) == CALLS
    assert await _counts(workflow["id"]) == (CALLS, CALLS)


async def test_concurrent_webhook_deliveries_are_all_accepted(
    factory: Factory, api: ApiServer
) -> None:
    org = await factory.org()
    user = await factory.user(org=org)
    workflow = await factory.workflow(org, user, status="active",
                                      trigger={"type": "webhook"})
    token = await ensure_webhook_token(workflow["id"])
    async with httpx.AsyncClient(base_url=api.url, timeout=60) as client:
        answers = await _at_once([client.post(f"/webhooks/{token}", json={"n": n})
                                  for n in range(CALLS)])
    assert [a.status_code for a in answers] == [202] * CALLS, [a.text for a in answers]
    assert await _counts(workflow["id"]) == (CALLS, CALLS)
