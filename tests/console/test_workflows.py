"""The workflows list: what git synced and what the API created, with status, version, who
manages it and tags; search, status and tag filters that live in the address."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
from playwright.async_api import expect

from tests.console.conftest import Console
from tests.factory import Factory
from tests.processes import ApiServer, FlowplaneProcess
from tests.sync.gitrepo import GitRepo, workflow_yaml

CREATE = """mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) {
  __typename ... on Error { message } } }"""


def _sync(repo: Path, database_url: str) -> None:
    """The real git sync, once, as `make dev` runs it."""
    process = FlowplaneProcess(["sync", "--repo", str(repo), "--org", "acme", "--once"],
                               {"DATABASE_URL": database_url}).start()
    assert process.process is not None and process.process.wait(120) == 0, process.output()


async def _create(platform: ApiServer, headers: dict[str, str], **fields: object) -> None:
    async with httpx.AsyncClient(base_url=platform.url) as http:
        response = await http.post("/graphql", headers=headers,
                                   json={"query": CREATE, "variables": {"input": fields}})
    assert response.json()["data"]["createWorkflow"]["__typename"] == "Workflow", response.text


async def test_the_list_shows_synced_and_created_workflows_and_filters_them(
    console: Console, factory: Factory, platform: ApiServer, database_url: str,
    tmp_path: Path,
) -> None:
    org = await factory.org("acme", name="Acme Inc.")
    alice = await factory.user("alice", org, "admin")
    token = await factory.token(alice, org)
    repo = GitRepo(tmp_path / "repo")
    repo.write("workflows.d/nightly-export.yaml", workflow_yaml(
        "nightly-export", owner="alice", description="Export the orders of the day",
        state="paused"))
    repo.commit("nightly export")
    await asyncio.to_thread(_sync, repo.root, database_url)
    headers = {"Authorization": f"Bearer {token}", "X-Organization-ID": "acme"}
    await _create(platform, headers, name="lead-enrichment", tags=["sales", "crm"],
                  description="Enrich inbound leads")
    await _create(platform, headers, name="weekly-digest", tags=["reports"],
                  description="Mail the week's numbers")

    await console.sign_in(token)
    page = console.page
    rows = page.get_by_test_id("workflow-row")
    await expect(rows).to_have_count(3)
    synced = page.locator('[data-name="nightly-export"]')
    await expect(synced).to_contain_text("paused")
    await expect(synced).to_contain_text("git workflows.d/nightly-export.yaml")
    await expect(synced).to_contain_text("v1")
    created = page.locator('[data-name="lead-enrichment"]')
    await expect(created).to_contain_text("draft")
    await expect(created).to_contain_text("API")
    await expect(created.get_by_role("button", name="crm")).to_be_visible()
    await console.screenshot("workflows")

    await page.get_by_label("Search workflows").fill("digest")
    await page.wait_for_url(re.compile(r"[?&]q=digest"))
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("weekly-digest")

    await page.get_by_label("Search workflows").fill("")
    await page.get_by_label("Status").select_option("PAUSED")
    await page.wait_for_url(re.compile(r"\?status=PAUSED$"))
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("nightly-export")

    await page.get_by_label("Status").select_option("")
    await created.get_by_role("button", name="sales").click()
    await page.wait_for_url(re.compile(r"\?tag=sales$"))
    await expect(rows).to_have_count(1)
    await page.reload()  # the filter is in the address: a reload keeps it
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("lead-enrichment")
    await expect(page.get_by_role("button", name="tag: sales")).to_be_visible()
