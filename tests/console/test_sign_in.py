"""Signing in to the console: with a pasted token (the organization named or implied by it)
and with the one-time link `flowplane user sign-in-link` prints; the token never stays in the
address, lives in this tab's sessionStorage only, and a used link does not work twice."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from playwright.async_api import expect

from domain.organizations import add_member
from tests.console.conftest import Console
from tests.factory import Factory
from tests.processes import ApiServer, FlowplaneProcess

SESSION = "JSON.stringify(sessionStorage) + JSON.stringify(localStorage)"


async def _acme(factory: Factory) -> tuple[dict[str, Any], dict[str, Any]]:
    org = await factory.org("acme", name="Acme Inc.")
    return org, await factory.user("alice", org, "admin")


async def test_a_deep_link_asks_to_sign_in_and_returns_there_with_a_token(
    console: Console, factory: Factory
) -> None:
    org, alice = await _acme(factory)
    token = await factory.token(alice, org)  # scoped: the organization comes with it
    page = console.page
    await console.open("/workflows?status=ACTIVE")
    await page.wait_for_url(re.compile(r"/sign-in\?next="))
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await console.screenshot("sign-in")

    await page.get_by_label("API token").fill("fp_not-a-token")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("the token is not valid")

    await page.get_by_label("API token").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(re.compile(r"/workflows\?status=ACTIVE$"))
    await expect(page.get_by_role("banner")).to_contain_text("Acme Inc.")
    assert token not in page.url
    assert token in await page.evaluate("JSON.stringify(sessionStorage)")
    assert token not in await page.evaluate("JSON.stringify(localStorage)")

    await page.reload()  # the session survives a reload of the tab...
    await expect(page.get_by_role("banner")).to_contain_text("alice")
    await page.get_by_role("button", name="Sign out").click()  # ...until signing out
    await page.wait_for_url(re.compile(r"/sign-in"))
    assert token not in await page.evaluate(SESSION)


async def test_a_token_of_no_single_organization_needs_the_organization(
    console: Console, factory: Factory
) -> None:
    org, alice = await _acme(factory)
    unscoped = await factory.token(alice)
    page = console.page
    await console.open("/sign-in")
    await page.get_by_label("API token").fill(unscoped)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "not scoped to one organization: enter the organization")
    await page.get_by_label("Organization").fill("acme")
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(re.compile(r"/workflows$"))
    await expect(page.get_by_role("banner")).to_contain_text("Acme Inc.")
    assert org["slug"] == "acme"


def _sign_in_link(platform: ApiServer, database_url: str) -> str:
    process = FlowplaneProcess(
        ["user", "sign-in-link", "alice", "--org", "acme"],
        {"DATABASE_URL": database_url, "FLOWPLANE_PUBLIC_URL": platform.url},
    ).start()
    assert process.process is not None and process.process.wait(60) == 0, process.output()
    return process.output().strip().splitlines()[-1]


async def test_the_one_time_link_signs_in_once(
    console: Console, factory: Factory, platform: ApiServer, database_url: str
) -> None:
    await _acme(factory)
    link = await asyncio.to_thread(_sign_in_link, platform, database_url)
    code = link.split("#code=", 1)[1]
    page = console.page
    await page.goto(link)
    await page.wait_for_url(re.compile(r"/workflows$"))
    await expect(page.get_by_role("banner")).to_contain_text("alice")
    assert code not in page.url
    # The code left no trace in the tab's history either: going back does not re-send it.
    assert code not in await page.evaluate("JSON.stringify(history.state) + location.href")

    await page.get_by_role("button", name="Sign out").click()
    await page.goto(link)  # used already
    await expect(page.get_by_role("alert")).to_contain_text("unknown, expired or already used")
    assert code not in page.url


async def test_a_token_for_every_organization_of_its_user_picks_another_in_the_top_bar(
    console: Console, factory: Factory
) -> None:
    org, alice = await _acme(factory)
    beta = await factory.org("beta", name="Beta GmbH")
    await add_member(beta["id"], alice["id"], "member")
    await factory.workflow(org, alice, "acme-only")
    await factory.workflow(beta, alice, "beta-only")
    await console.sign_in(await factory.token(alice), "acme")  # not scoped: name the first
    page = console.page
    rows = page.get_by_test_id("workflow-row")
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("acme-only")
    picker = page.get_by_role("banner").get_by_label("Organization")
    await expect(picker).to_have_value("acme")
    await picker.select_option("beta")
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("beta-only")
    await expect(page.get_by_role("banner")).to_contain_text("Beta GmbH")
    assert "beta" in await page.evaluate(SESSION)


async def test_a_token_scoped_to_one_organization_offers_no_other(
    console: Console, factory: Factory
) -> None:
    org, alice = await _acme(factory)
    beta = await factory.org("beta", name="Beta GmbH")
    await add_member(beta["id"], alice["id"], "member")
    await console.sign_in(await factory.token(alice, org))
    banner = console.page.get_by_role("banner")
    await expect(banner).to_contain_text("Acme Inc.")
    await expect(banner.get_by_label("Organization")).to_have_count(0)
