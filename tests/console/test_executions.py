"""Executions in the console: a deployed workflow run from its page, the execution's span
tree and timeline filling in live (no reload) until it completes, the executions tab updating
by itself; and the README's console tour: a failed run's error, the definition fixed, a retry
with the latest version that completes; a cancel; logs tailing while a run retries."""

from __future__ import annotations

import itertools
import re
from typing import Any

import httpx
from playwright.async_api import expect

from tests.console.conftest import Console
from tests.factory import Factory
from tests.processes import ApiServer

CREATE = """mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) {
  __typename ... on Workflow { id } ... on Error { message } } }"""
RUN = """mutation($id: ID!) { runWorkflow(workflowId: $id, input: {name: "Bo"}) {
  __typename ... on Execution { id } } }"""
GREET = {"id": "greet", "type": "transform",
         "params": {"value": {"greeting": "Hello {{ input.name }}"}}}


class Api:
    def __init__(self, platform: ApiServer, token: str) -> None:
        self.url = platform.url
        self.headers = {"Authorization": f"Bearer {token}", "X-Organization-ID": "acme"}

    async def __call__(self, query: str, **variables: Any) -> Any:
        async with httpx.AsyncClient(base_url=self.url) as http:
            response = await http.post("/graphql", headers=self.headers,
                                       json={"query": query, "variables": variables})
        data = response.json()["data"]
        assert "message" not in next(iter(data.values())), response.text
        return data

    async def create(self, name: str, *nodes: dict[str, Any], **fields: Any) -> str:
        connections = [{"from": a["id"], "to": b["id"]} for a, b in itertools.pairwise(nodes)]
        data = await self(CREATE, input={"name": name, "nodes": list(nodes),
                                         "connections": connections, **fields})
        return str(data["createWorkflow"]["id"])


async def _signed_in(console: Console, factory: Factory, platform: ApiServer) -> Api:
    org = await factory.org("acme", name="Acme Inc.")
    alice = await factory.user("alice", org, "admin")
    token = await factory.token(alice, org)
    await console.sign_in(token)
    return Api(platform, token)


async def _run_from_page(console: Console, workflow_id: str, input_json: str) -> str:
    page = console.page
    await console.open(f"/workflows/{workflow_id}")
    await page.get_by_role("button", name="Run", exact=True).click()
    dialog = page.get_by_role("dialog", name=re.compile("^Run "))
    await dialog.get_by_label("Input (JSON)").fill(input_json)
    await dialog.get_by_role("button", name="Run", exact=True).click()
    await page.wait_for_url(re.compile(r"/executions/[^/]+$"))
    return page.url.rsplit("/", 1)[1]


async def test_a_run_fills_in_live_and_the_executions_tab_follows(
    console: Console, factory: Factory, platform: ApiServer,
) -> None:
    api = await _signed_in(console, factory, platform)
    wait = {"id": "wait", "type": "delay", "params": {"seconds": 1.5}}
    workflow_id = await api.create("slow-hello", wait, GREET)
    page = console.page
    await console.open(f"/workflows/{workflow_id}")
    await page.get_by_role("button", name="Deploy", exact=True).click()
    await page.get_by_role("dialog").get_by_role("button", name="Deploy workflow").click()
    await expect(page.get_by_test_id("deployment-phase")).to_have_text("available")

    execution_id = await _run_from_page(console, workflow_id, '{"name": "Ada"}')
    await page.evaluate("window.sameDocument = true")  # gone if anything reloads the page
    status = page.get_by_test_id("execution-status")
    spans = page.get_by_test_id("span-row")
    # The delay node is seen running before the execution ends: the tree fills in live.
    await expect(page.locator('[data-testid="span-row"][data-node="wait"]')).to_have_attribute(
        "data-status", "RUNNING")
    await expect(status).to_have_text("completed")
    await expect(spans).to_have_count(4)  # execution, attempt 1, wait, greet
    greet = page.locator('[data-testid="span-row"][data-node="greet"]')
    await expect(greet).to_have_attribute("data-status", "COMPLETED")
    await greet.click()
    await expect(page.get_by_test_id("span-output")).to_contain_text('"Hello Ada"')
    assert await page.evaluate("window.sameDocument === true")
    await console.screenshot("execution")

    # The workflow's executions tab: a run started elsewhere appears and completes by itself.
    await page.get_by_role("link", name="slow-hello: executions").click()
    rows = page.get_by_test_id("execution-row")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-id", execution_id)
    await expect(rows.first).to_contain_text("alice")
    await expect(rows.first).to_contain_text("manual")
    run = await api(RUN, id=workflow_id)
    second = page.locator(f'[data-id="{run["runWorkflow"]["id"]}"]')
    await expect(second).to_be_visible()
    await expect(second).to_have_attribute("data-status", "COMPLETED")
    await expect(rows).to_have_count(2)
    await page.get_by_label("Status").select_option("FAILED")
    await expect(page.get_by_text("No execution matches these filters.")).to_be_visible()
    await page.get_by_label("Status").select_option("COMPLETED")
    await page.get_by_label("Trigger").select_option("MANUAL")
    await expect(rows).to_have_count(2)
    await console.screenshot("executions")

    # The workflows list shows each workflow's last run.
    nav = page.get_by_role("navigation", name="Main")
    await nav.get_by_role("link", name="Workflows").click()
    last = page.locator('[data-testid="workflow-row"][data-name="slow-hello"]').get_by_test_id(
        "last-run")
    await expect(last).to_have_attribute("href", f"/executions/{run['runWorkflow']['id']}")
    await expect(last).to_contain_text("completed")


async def test_the_readme_tour_create_deploy_fail_fix_and_retry_then_cancel(
    console: Console, factory: Factory, platform: ApiServer,
) -> None:
    """README, "The web console", steps 1-4, clicked as written."""
    api = await _signed_in(console, factory, platform)
    page = console.page
    await page.get_by_role("button", name="New workflow").click()
    dialog = page.get_by_role("dialog", name="New workflow")
    await dialog.get_by_label("Name", exact=True).fill("hello-console")
    await dialog.get_by_role("button", name="Create").click()
    await expect(page.get_by_test_id("graph-node")).to_contain_text("greet")
    await page.get_by_role("button", name="Deploy", exact=True).click()
    await page.get_by_role("dialog").get_by_role("button", name="Deploy workflow").click()
    await expect(page.get_by_test_id("deployment-phase")).to_have_text("available")

    await page.get_by_role("button", name="Run", exact=True).click()
    await page.get_by_role("dialog", name="Run hello-console").get_by_role(
        "button", name="Run", exact=True).click()
    await page.wait_for_url(re.compile(r"/executions/[^/]+$"))
    failed_id = page.url.rsplit("/", 1)[1]
    await expect(page.get_by_test_id("execution-status")).to_have_text("failed")
    await page.locator('[data-testid="span-row"][data-node="greet"]').click()
    await expect(page.get_by_test_id("span-error")).to_contain_text("no key 'name'")
    await expect(page.get_by_test_id("execution-error")).to_contain_text("no key 'name'")

    await page.get_by_role("link", name="hello-console: executions").click()
    await page.get_by_role("tab", name="Definition").click()
    await page.get_by_role("button", name="Edit").click()
    editor = page.get_by_label("Definition (YAML)")
    text = await editor.input_value()
    assert "Hello {{ input.name }}" in text, text
    await editor.fill(text.replace("Hello {{ input.name }}", "Hello world"))
    await page.get_by_role("button", name="Save as version 2").click()
    await expect(page.get_by_test_id("definition-yaml")).to_contain_text("Hello world")
    await page.get_by_role("tab", name=re.compile("Executions")).click()
    await page.get_by_role("link", name=failed_id).click()
    await page.get_by_label("Retry from").select_option(label="the start")
    await page.get_by_label("Version").select_option(label="the latest version")
    await page.get_by_role("button", name="Retry").click()
    await page.wait_for_url(re.compile(r"/executions/(?!" + re.escape(failed_id) + "$)"))
    await expect(page.get_by_test_id("execution-status")).to_have_text("completed")
    await page.locator('[data-testid="span-row"][data-node="greet"]').click()
    await expect(page.get_by_test_id("span-output")).to_contain_text('"Hello world"')
    facts = page.locator(".facts")
    await expect(facts).to_contain_text(f"Retry of{failed_id} from the start")
    await expect(facts).to_contain_text("hello-console v2")
    # Version 1's run left its logs on its own page, not here.
    await expect(page.get_by_test_id("logs")).not_to_contain_text("no key")
    # A finished execution cannot be cancelled, nor one still running retried.
    await expect(page.get_by_role("button", name="Cancel")).to_be_disabled()

    wait = {"id": "wait", "type": "delay", "params": {"seconds": 20}}
    slow_id = await api.create("slow", wait)
    await _run_from_page(console, slow_id, "{}")
    await expect(page.locator('[data-node="wait"]')).to_have_attribute("data-status", "RUNNING")
    await expect(page.get_by_role("button", name="Retry")).to_be_disabled()
    await page.get_by_role("button", name="Cancel").click()
    await expect(page.get_by_test_id("execution-status")).to_have_text("cancelled")


async def test_logs_tail_while_the_run_retries(
    console: Console, factory: Factory, platform: ApiServer,
) -> None:
    api = await _signed_in(console, factory, platform)
    # Each attempt outlives the node timeout: attempt 1 fails, a log line says it is retried.
    wait = {"id": "wait", "type": "delay", "params": {"seconds": 30}}
    workflow_id = await api.create("timing-out", wait,
                                   settings={"maxAttempts": 2, "nodeTimeoutSeconds": 2})
    page = console.page
    await _run_from_page(console, workflow_id, "{}")
    await page.evaluate("window.sameDocument = true")
    logs = page.get_by_test_id("logs")
    await expect(logs).to_contain_text("No log lines yet.")
    await expect(logs).to_contain_text("attempt 1 failed")  # arrived over the subscription
    await expect(page.get_by_test_id("execution-status")).to_have_text("failed")
    await expect(page.locator('[data-testid="span-row"][data-kind="ATTEMPT"]')).to_have_count(2)
    assert await page.evaluate("window.sameDocument === true")
