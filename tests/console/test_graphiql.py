"""GraphiQL at /graphql comes from the platform itself: it renders and runs a query with the
network to anything but loopback blocked, and keeps the token out of the browser's storage."""

from __future__ import annotations

from playwright.async_api import expect

from tests.console.conftest import Console
from tests.factory import Factory


async def test_graphiql_renders_offline_and_runs_a_query(
    console: Console, factory: Factory
) -> None:
    org = await factory.org("acme", name="Acme Inc.")
    alice = await factory.user("alice", org, "admin")
    await factory.workflow(org, alice, name="daily-report")
    token = await factory.token(alice, org)
    await console.sign_in(token)
    # The console's GraphiQL link opens a tab that starts with the console's headers.
    async with console.page.context.expect_page() as opened:
        await console.page.get_by_role("link", name="GraphiQL").click()
    page = console.page = await opened.value
    await page.wait_for_url(f"{console.url}/graphql")
    # Ready once the editors are mounted: the headers editor shows the console's credentials.
    await expect(page.locator(".graphiql-editor-tool")).to_contain_text("Authorization")
    await expect(page.locator(".graphiql-query-editor")).to_contain_text("workflows")
    await page.get_by_role("button", name="Execute query").click()
    response = page.locator(".result-window")
    await expect(response).to_contain_text('"handle": "alice"')
    await expect(response).to_contain_text('"name": "daily-report"')
    await expect(page.get_by_role("button", name="Show GraphiQL Explorer")).to_have_count(1)
    await console.screenshot("graphiql", hide=(".graphiql-editor-tool",))

    stored = await page.evaluate("JSON.stringify(Object.entries(localStorage))")
    assert "graphiql" in stored  # GraphiQL keeps its tabs there...
    assert token not in stored  # ...but not the headers, unless the user opts in
