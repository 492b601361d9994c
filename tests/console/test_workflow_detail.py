"""The workflow detail screen: a workflow created in the console, its graph, its YAML edited
(and a concurrent edit refused in place), revisions compared, deployed with settings through
the Deploy dialog, paused, shared, made public, saved as a template and used, cloned and
deleted; a git-managed one shows its file and offers no edit."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import expect

from tests.console.conftest import Console
from tests.console.test_workflows import _sync
from tests.factory import Factory
from tests.processes import ApiServer
from tests.sync.gitrepo import GitRepo, workflow_yaml

CREATE = """mutation($input: CreateWorkflowInput!) {
  createWorkflow(input: $input) { __typename ... on Workflow { id } } }"""
UPDATE = """mutation($id: ID!, $input: UpdateWorkflowInput!) {
  updateWorkflow(id: $id, input: $input) { __typename } }"""


async def _api(platform: ApiServer, token: str, query: str, **variables: object) -> Any:
    headers = {"Authorization": f"Bearer {token}", "X-Organization-ID": "acme"}
    async with httpx.AsyncClient(base_url=platform.url) as http:
        response = await http.post("/graphql", headers=headers,
                                   json={"query": query, "variables": variables})
    return response.json()["data"]


async def test_create_edit_deploy_pause_share_clone_and_delete_a_workflow(
    console: Console, factory: Factory, platform: ApiServer,
) -> None:
    org = await factory.org("acme", name="Acme Inc.")
    alice = await factory.user("alice", org, "admin")
    await factory.user("bob", org)
    token = await factory.token(alice, org)
    await console.sign_in(token)
    page = console.page

    await page.get_by_role("button", name="New workflow").click()
    dialog = page.get_by_role("dialog", name="New workflow")
    await dialog.get_by_label("Name", exact=True).fill("greeter")
    await dialog.get_by_role("button", name="Create").click()
    await page.wait_for_url(re.compile(r"/workflows/[^/?]+$"))
    workflow_id = page.url.rsplit("/", 1)[1]
    await expect(page.get_by_role("heading", name=re.compile("greeter"))).to_contain_text("draft")
    node = page.get_by_test_id("graph-node")
    await expect(node).to_have_count(1)
    await expect(node).to_contain_text("greet")
    await expect(node).to_contain_text("transform")

    # Edit the YAML; meanwhile someone else saves: the save is refused in place.
    await page.get_by_role("tab", name="Definition").click()
    await expect(page.get_by_test_id("definition-yaml")).to_contain_text("type: transform")
    await page.get_by_role("button", name="Edit").click()
    editor = page.get_by_label("Definition (YAML)")
    text = await editor.input_value()
    await editor.fill(text.replace("Say hello", "Greet"))
    await _api(platform, token, UPDATE, id=workflow_id, input={"tags": ["elsewhere"]})
    await page.get_by_role("button", name="Save as version 2").click()
    conflict = page.locator('[data-error="VersionConflict"]')
    await expect(conflict).to_contain_text("You edited version 1; it is now version 2")
    await page.get_by_role("button", name="Discard").click()
    await expect(page.get_by_test_id("definition-yaml")).to_contain_text("elsewhere")
    await page.get_by_role("button", name="Edit").click()
    text = await editor.input_value()
    await editor.fill(text.replace("Say hello", "Greet"))
    await page.get_by_role("button", name="Save as version 3").click()
    await expect(page.get_by_test_id("definition-yaml")).to_contain_text("Greet to whoever")
    await expect(page.get_by_role("heading", name=re.compile("greeter"))).to_contain_text("v3")

    await page.get_by_role("tab", name="Revisions").click()
    await expect(page.get_by_test_id("revision-row")).to_have_count(3)
    diff = page.get_by_test_id("revision-diff")
    await expect(diff.locator(".diff-added")).to_contain_text(["Greet to whoever"])
    await expect(diff.locator(".diff-removed")).to_contain_text(["Say hello"])
    await page.get_by_label("Compare").select_option("1")
    for added in ("Greet to whoever", "elsewhere"):
        await expect(diff.locator(".diff-added", has_text=added)).to_have_count(1)

    # Deploy with settings: the seed's defaults, the GPU type only with a GPU.
    await page.get_by_role("button", name="Deploy", exact=True).click()
    deploy = page.get_by_role("dialog", name="Deploy workflow")
    for label, value in [("Environment", "custom"), ("CPU", "0.5"), ("Memory", "1Gi"),
                         ("Disk", "5Gi"), ("GPU", "0")]:
        await expect(deploy.get_by_label(label, exact=True)).to_have_value(value)
    await expect(deploy.get_by_label("GPU type")).to_have_count(0)
    await deploy.get_by_label("GPU", exact=True).fill("1")
    await expect(deploy.get_by_label("GPU type")).to_be_visible()
    await deploy.get_by_label("GPU", exact=True).fill("0")
    await deploy.get_by_label("Environment", exact=True).fill("no-such-env")
    await deploy.get_by_role("button", name="Deploy workflow").click()
    failure = deploy.locator('[data-error="DeploymentFailed"]')
    await expect(failure).to_contain_text("ENVIRONMENT_NOT_READY")
    await expect(failure).to_contain_text("environment 'no-such-env' does not exist")
    await deploy.get_by_label("Environment", exact=True).fill("custom")
    await deploy.get_by_label("CPU", exact=True).fill("0.25")
    await deploy.get_by_label("Memory").fill("512Mi")
    await console.screenshot("deploy-dialog")
    await deploy.get_by_role("button", name="Deploy workflow").click()
    await expect(deploy).to_have_count(0)
    phase = page.get_by_test_id("deployment-phase")
    await expect(phase).to_have_text("available")  # moved on by the subscription
    panel = page.get_by_label("Deployment", exact=True)
    await expect(panel).to_contain_text("0.25 CPU · 512Mi")
    await expect(panel).to_contain_text("local")
    await expect(page.get_by_role("heading", name=re.compile("greeter"))).to_contain_text("active")
    await page.get_by_role("tab", name="Graph").click()
    await console.screenshot("workflow-detail")

    await page.get_by_role("button", name="Pause").click()
    await expect(page.get_by_role("heading", name=re.compile("greeter"))).to_contain_text("paused")
    await expect(page.get_by_test_id("deployment-phase")).to_have_count(0)

    await page.get_by_role("button", name="Share").click()
    share = page.get_by_role("dialog", name="Share workflow")
    await share.get_by_label("Member").select_option(label="Bob (bob)")
    await share.get_by_role("button", name="Share", exact=True).click()
    await expect(share.get_by_label("Shared with")).to_contain_text("Bob")
    await share.get_by_role("button", name="Cancel").click()
    await expect(page.locator(".screen-header")).to_contain_text("shared with bob")

    await page.get_by_role("button", name="Make public").click()
    await expect(page.get_by_role("heading", name=re.compile("greeter"))).to_contain_text("public")

    await page.get_by_role("button", name="Save as template").click()
    await page.get_by_role("dialog", name="Save as template").get_by_role(
        "button", name="Save template").click()
    await expect(page.get_by_role("heading", name=re.compile("greeter-template"))).to_contain_text(
        "template")
    await page.get_by_role("link", name="Templates").click()
    await page.locator('[data-name="greeter-template"]').get_by_role(
        "button", name="Use template").click()
    use = page.get_by_role("dialog", name="Use greeter-template")
    await use.get_by_label("Name of the new workflow").fill("from-template")
    await use.get_by_role("button", name="Create workflow").click()
    await expect(page.get_by_role("heading", name=re.compile("from-template"))).to_contain_text(
        "draft")
    await expect(page.get_by_test_id("graph-node")).to_contain_text("greet")

    await page.get_by_role("button", name="Clone").click()
    clone = page.get_by_role("dialog", name="Clone workflow")
    await clone.get_by_label("Name of the copy").fill("greeter")
    await clone.get_by_role("button", name="Clone").click()
    await expect(clone.locator('[data-error="NameTaken"]')).to_be_visible()
    await clone.get_by_label("Name of the copy").fill("greeter-two")
    await clone.get_by_role("button", name="Clone").click()
    await page.wait_for_url(re.compile(r"/workflows/(?!" + re.escape(workflow_id) + ")"))
    copy = page.get_by_role("heading", name=re.compile("greeter-two"))
    await expect(copy).to_contain_text("draft")

    await page.get_by_role("button", name="Delete").click()
    remove = page.get_by_role("dialog", name="Delete workflow")
    await expect(remove).to_contain_text("This cannot be undone. Consider pausing instead")
    forever = remove.get_by_role("button", name="Delete forever")
    await expect(forever).to_be_disabled()
    await remove.get_by_label("Type greeter-two to confirm").fill("greeter-two")
    await forever.click()
    await page.wait_for_url(re.compile(r"/workflows$"))
    rows = page.get_by_test_id("workflow-row")
    await expect(rows).to_have_count(2)  # greeter and the one made from its template
    await expect(page.locator('[data-name="greeter-two"]')).to_have_count(0)


async def test_a_git_managed_workflow_shows_its_file_and_offers_no_edit(
    console: Console, factory: Factory, database_url: str, tmp_path: Path,
) -> None:
    org = await factory.org("acme", name="Acme Inc.")
    alice = await factory.user("alice", org, "admin")
    token = await factory.token(alice, org)
    repo = GitRepo(tmp_path / "repo")
    repo.write("workflows.d/nightly.yaml", workflow_yaml("nightly", owner="alice"))
    repo.commit("nightly")
    await asyncio.to_thread(_sync, repo.root, database_url)

    await console.sign_in(token)
    page = console.page
    await page.get_by_role("link", name="nightly").click()
    await expect(page.locator(".screen-header")).to_contain_text(
        "Managed by git: workflows.d/nightly.yaml")
    for name in ("Deploy", "Pause", "Share", "Make public", "Delete"):
        await expect(page.get_by_role("button", name=name, exact=True)).to_be_disabled()
    await expect(page.get_by_role("button", name="Clone")).to_be_enabled()
    await page.get_by_role("tab", name="Definition").click()
    await expect(page.get_by_role("button", name="Edit")).to_be_disabled()
    await expect(page.get_by_label("Definition")).to_contain_text("change it in git")


async def test_a_deployed_webhook_workflow_shows_its_url_with_a_copy_button(
    console: Console, factory: Factory, platform: ApiServer,
) -> None:
    org = await factory.org("acme", name="Acme Inc.")
    alice = await factory.user("alice", org, "admin")
    token = await factory.token(alice, org)
    created = await _api(platform, token, CREATE, input={
        "name": "hook", "trigger": {"type": "WEBHOOK"},
        "nodes": [{"id": "echo", "type": "transform", "params": {"value": "{{ input }}"}}]})
    await console.sign_in(token)
    page = console.page
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await console.open(f"/workflows/{created['createWorkflow']['id']}")
    await page.get_by_role("button", name="Deploy", exact=True).click()
    await page.get_by_role("dialog").get_by_role("button", name="Deploy workflow").click()
    await expect(page.get_by_test_id("deployment-phase")).to_have_text("available")
    url = page.get_by_test_id("webhook-url")
    await expect(url).to_have_text(re.compile(r"^http://127\.0\.0\.1:\d+/webhooks/"))
    await page.get_by_role("button", name="Copy webhook URL").click()
    assert await page.evaluate("navigator.clipboard.readText()") == await url.inner_text()
