"""The Secrets screen: a value is set write-only (listed by name, version and who set it, never
shown back, nor kept in the tab's storage), replaced, refused in place when the name is bad,
and deleted after a confirmation; a member reads the names and is refused a change in place."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.console.conftest import Console
from tests.factory import Factory

CANARY = "canary-value-7f3a9c"


async def test_a_secret_is_set_listed_without_its_value_replaced_and_deleted(
    console: Console, factory: Factory,
) -> None:
    org = await factory.org("acme", name="Acme Inc.")
    alice = await factory.user("alice", org, "admin")
    await console.sign_in(await factory.token(alice, org))
    page = console.page
    await page.get_by_role("link", name="Secrets").click()
    form = page.get_by_role("form", name="Set a secret")

    await form.get_by_label("Name").fill("Not A Name")
    await form.get_by_label("Value").fill(CANARY)
    await form.get_by_role("button", name="Set secret").click()
    await expect(page.locator('[data-error="InvalidInput"]')).to_be_visible()

    await form.get_by_label("Name").fill("warehouse-password")
    await form.get_by_role("button", name="Set secret").click()
    row = page.locator('[data-testid="secret-row"][data-name="warehouse-password"]')
    await expect(row).to_contain_text("alice")
    await expect(row.locator("td.num")).to_have_text("1")
    await expect(page.get_by_role("status")).to_contain_text("warehouse-password set (version 1)")
    await expect(form.get_by_label("Value")).to_have_value("")
    assert CANARY not in await page.content()
    stored = await page.evaluate("JSON.stringify(sessionStorage) + JSON.stringify(localStorage)")
    assert CANARY not in stored
    await console.screenshot("secrets")

    await row.get_by_role("button", name="Replace value of warehouse-password").click()
    await expect(form.get_by_label("Name")).to_have_value("warehouse-password")
    await form.get_by_label("Value").fill(CANARY + "-2")
    await form.get_by_role("button", name="Set secret").click()
    await expect(row.locator("td.num")).to_have_text("2")
    await page.reload()
    await expect(row.locator("td.num")).to_have_text("2")
    assert CANARY not in await page.content()

    await row.get_by_role("button", name="Delete warehouse-password").click()
    await expect(row).to_contain_text(re.compile("Confirm delete"))
    await row.get_by_role("button", name="Delete warehouse-password").click()
    await expect(page.get_by_test_id("secret-row")).to_have_count(0)


async def test_a_member_reads_the_names_and_is_refused_a_change_in_place(
    console: Console, factory: Factory,
) -> None:
    org = await factory.org("acme", name="Acme Inc.")
    bob = await factory.user("bob", org)
    await console.sign_in(await factory.token(bob, org))
    page = console.page
    await page.get_by_role("link", name="Secrets").click()
    await expect(page.get_by_text("setting and deleting is for admins")).to_be_visible()
    form = page.get_by_role("form", name="Set a secret")
    await form.get_by_label("Name").fill("warehouse-password")
    await form.get_by_label("Value").fill(CANARY)
    await form.get_by_role("button", name="Set secret").click()
    await expect(page.locator('[data-error="Forbidden"]')).to_contain_text("admins")
    await expect(page.get_by_text("No secrets yet")).to_be_visible()
