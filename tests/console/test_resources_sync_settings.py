"""The organization's screens: resources added, edited and deleted (secrets as references
only, a stored secret picked by name, a taken name and bad JSON refused in place), the git
sync's runs with per-file results and `file:line` errors and "sync now", and settings:
members (the last admin kept) and API tokens."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from playwright.async_api import expect

from tests.console.conftest import Console
from tests.factory import Factory
from tests.processes import FlowplaneProcess
from tests.sync.gitrepo import GitRepo, workflow_yaml

BROKEN = """apiVersion: flowplane/v1
kind: Workflow
metadata: {name: broken, organization: acme}
spec:
  nodes:
    - {id: a, type: no-such-type}
"""


def _sync_with_an_invalid_file(repo: Path, database_url: str) -> None:
    """The real git sync, once; it exits 1 when a file is invalid (the others still apply)."""
    process = FlowplaneProcess(["sync", "--repo", str(repo), "--org", "acme", "--once"],
                               {"DATABASE_URL": database_url}).start()
    assert process.process is not None and process.process.wait(120) == 1, process.output()


async def _alice(console: Console, factory: Factory) -> dict[str, Any]:
    org = await factory.org("acme", name="Acme Inc.")
    alice = await factory.user("alice", org, "admin")
    await factory.user("bob", org)
    await console.sign_in(await factory.token(alice, org))
    return org


async def test_resources_are_added_edited_and_deleted_with_secrets_as_references(
    console: Console, factory: Factory,
) -> None:
    await _alice(console, factory)
    page = console.page
    await page.get_by_role("link", name="Secrets").click()
    form = page.get_by_role("form", name="Set a secret")
    await form.get_by_label("Name").fill("pg-password")
    await form.get_by_label("Value").fill("hunter2")
    await form.get_by_role("button", name="Set secret").click()
    await expect(page.get_by_test_id("secret-row")).to_have_count(1)

    await page.get_by_role("link", name="Resources").click()
    await page.get_by_role("tab", name=re.compile("Data sources")).click()
    rows = page.get_by_test_id("resource-row")
    for attempt in range(2):
        await page.get_by_role("button", name="Add data source").click()
        dialog = page.get_by_role("dialog", name="Add data source")
        for label, value in [("Name", "warehouse"), ("Type", "postgres"), ("Host", "db.internal"),
                             ("Port", "5432"), ("Database", "sales")]:
            await dialog.get_by_label(label, exact=True).fill(value)
        # The stored secret is offered by name.
        await dialog.get_by_label("Password", exact=True).select_option("secret:pg-password")
        await dialog.get_by_role("button", name="Add").click()
        if attempt == 0:
            await expect(dialog).to_have_count(0)
    await expect(dialog.locator('[data-error="NameTaken"]')).to_be_visible()
    await dialog.get_by_role("button", name="Cancel").click()
    row = page.locator('[data-testid="resource-row"][data-name="warehouse"]')
    await expect(row).to_contain_text("db.internal:5432/sales")
    await expect(row).to_contain_text("secret:pg-password")

    # Edit: the form opens filled in; the change is saved, the rest of the spec kept.
    await row.get_by_role("button", name="Edit warehouse").click()
    dialog = page.get_by_role("dialog", name="Edit data source warehouse")
    await expect(dialog.get_by_label("Host", exact=True)).to_have_value("db.internal")
    await expect(dialog.get_by_label("Password", exact=True)).to_have_value("secret:pg-password")
    await dialog.get_by_label("Host", exact=True).fill("db2.internal")
    await dialog.get_by_label("Password", exact=True).select_option(label="another reference…")
    await dialog.get_by_label("Password, written out").fill("k8s:pg/password")
    await dialog.get_by_label("Options (JSON)").fill("{oops")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.get_by_role("alert")).to_contain_text("Options (JSON): not valid JSON")
    await dialog.get_by_label("Options (JSON)").fill('{"sslmode": "require"}')
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_have_count(0)
    await expect(row).to_contain_text("db2.internal:5432/sales")
    await expect(row).to_contain_text("k8s:pg/password")
    await page.reload()
    await row.get_by_role("button", name="Edit warehouse").click()
    dialog = page.get_by_role("dialog", name="Edit data source warehouse")
    await expect(dialog.get_by_label("Options (JSON)")).to_have_value(
        re.compile(r'"sslmode": "require"'))
    await expect(dialog.get_by_label("Database", exact=True)).to_have_value("sales")
    await dialog.get_by_role("button", name="Cancel").click()

    await page.get_by_role("tab", name=re.compile("Environments")).click()
    await page.get_by_role("button", name="Add environment").click()
    dialog = page.get_by_role("dialog", name="Add environment")
    await dialog.get_by_label("Name", exact=True).fill("ml")
    await dialog.get_by_label("Image", exact=True).fill("registry.example/ml:1")
    await dialog.get_by_role("button", name="Add").click()
    await expect(page.locator('[data-name="ml"]')).to_contain_text("registry.example/ml:1")
    await console.screenshot("resources")

    await page.get_by_role("tab", name=re.compile("Data sources")).click()
    await row.get_by_role("button", name="Delete warehouse").click()
    await row.get_by_role("button", name="Delete warehouse").click()  # "Confirm delete"
    await expect(rows).to_have_count(0)


async def test_an_environments_build_is_followed_live_without_reloading(
    console: Console, factory: Factory,
) -> None:
    from db.tables import Environment
    from domain._sql import dumps
    from domain.environment_builds import record_build_log, set_build_state

    org = await _alice(console, factory)
    env = Environment(organization=org["id"], name="reports",
                      python=dumps({"packages": ["six"]}))
    await env.save()
    page = console.page
    await page.get_by_role("link", name="Resources").click()
    await page.get_by_role("tab", name=re.compile("Environments")).click()
    build = page.locator('[data-name="reports"]').get_by_test_id("build")
    await expect(build).to_have_attribute("data-build", "NONE")

    # The build as a deploy's pip writes it: each change reaches the open screen by itself.
    await set_build_state(int(env.id), "building", None, log="")
    await expect(build).to_have_attribute("data-build", "BUILDING")
    await record_build_log(int(env.id), "Collecting six\n")
    await expect(build.locator("pre.build-log")).to_contain_text("Collecting six")
    await set_build_state(int(env.id), "ready", None,
                          log="Collecting six\nSuccessfully installed six-1.17.0\n")
    await expect(build).to_have_attribute("data-build", "READY")
    await expect(build.locator("pre.build-log")).to_contain_text("Successfully installed six")


async def test_sync_runs_show_each_file_and_sync_now_queues_one(
    console: Console, factory: Factory, database_url: str, tmp_path: Path,
) -> None:
    await _alice(console, factory)
    repo = GitRepo(tmp_path / "repo")
    repo.write("workflows.d/good.yaml", workflow_yaml("good", owner="alice"))
    repo.write("workflows.d/broken.yaml", BROKEN)
    repo.commit("one good, one broken")
    await asyncio.to_thread(_sync_with_an_invalid_file, repo.root, database_url)

    page = console.page
    await page.get_by_role("link", name="Sync").click()
    runs = page.get_by_test_id("sync-run")
    await expect(runs).to_have_count(1)
    files = page.get_by_test_id("sync-file")
    broken = files.filter(has_text="broken.yaml")
    await expect(broken).to_have_attribute("data-status", "FAILED")
    await expect(broken).to_contain_text(re.compile(r"workflows\.d/broken\.yaml:\d+"))
    await expect(broken).to_contain_text("no-such-type")
    await expect(files.filter(has_text="good.yaml")).to_have_attribute("data-status", "OK")
    await console.screenshot("sync")

    await page.get_by_role("button", name="Sync now").click()
    await expect(runs).to_have_count(2)
    await expect(runs.first).to_have_attribute("data-status", "REQUESTED")


async def test_members_and_api_tokens(console: Console, factory: Factory) -> None:
    await _alice(console, factory)
    page = console.page
    await page.get_by_role("link", name="Settings").click()
    members = page.get_by_test_id("member-row")
    await expect(members).to_have_count(2)
    await page.get_by_role("button", name="Remove alice").click()
    await expect(page.locator('[data-error="LastAdmin"]')).to_be_visible()
    await page.get_by_label("Role of bob").select_option("ADMIN")
    await page.reload()
    await expect(page.get_by_label("Role of bob")).to_have_value("ADMIN")
    await page.get_by_role("button", name="Remove bob").click()
    await expect(members).to_have_count(1)

    await page.get_by_label("Name", exact=True).fill("ci")
    await page.get_by_role("button", name="Create token").click()
    await expect(page.get_by_test_id("new-token")).to_have_text(re.compile(r"^fp_"))
    token = page.locator('[data-testid="token-row"][data-name="ci"]')
    await expect(token).to_have_attribute("data-revoked", "no")
    await console.screenshot("settings", hide=('[data-testid="new-token"]',))
    await token.get_by_role("button", name="Revoke ci").click()
    await expect(token).to_have_attribute("data-revoked", "yes")
