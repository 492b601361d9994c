"""The console's browser harness: a real platform (`flowplane serve` and a worker on the
session's embedded PostgreSQL and Redis) and Debian's Chromium driven by Playwright, with every
request that leaves loopback blocked and failing the test that made it.

A test gets a `Console`: a fresh browser context (own sessionStorage and localStorage) on the
platform's URL, plus the helpers most screens need (`sign_in`, `screenshot`)."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from graphql_api.console import DIST
from tests.processes import ApiServer, FlowplaneProcess

CHROMIUM = Path("/usr/bin/chromium")
# The README's pictures are refreshed only on request (`make screenshots`), so a test run
# never rewrites committed files; other runs keep theirs in the temporary directory.
SCREENSHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots"
               if os.environ.get("FLOWPLANE_SCREENSHOTS") == "update"
               else Path(tempfile.gettempdir()) / "flowplane-screenshots")
# Flags for Debian's chromium here (root, no GPU, a closed network; see the machine notes).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--metrics-recording-only",
    # Belt and braces: no host but loopback even resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
# Waits are for conditions, never fixed sleeps; the deadline is generous for a busy machine.
DEADLINE_MS = 30_000
LOOPBACK = re.compile(r"^(127\.\d+\.\d+\.\d+|localhost|\[?::1\]?)$")


def _missing(what: str) -> None:
    """Skip naming what is missing; in CI (which installs it) that is a failure instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must provide it: see .ci/run)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def _chromium_ready() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if not (DIST / "index.html").is_file() or not (DIST / "graphiql.html").is_file():
        _missing(f"the console is not built in {DIST} (make console)")


# Package scope: the platform's worker must not outlive these tests (it would take jobs, and
# hold locks, that the rest of the suite expects to own). The worker is the local
# provisioner's, as `flowplane dev` runs it: the default queue and every deployed workflow's;
# with the scheduler, which dispatches the next attempt of a failed one.
@pytest.fixture(scope="package")
def platform(database_url: str, redis_url: str, _chromium_ready: None) -> Iterator[ApiServer]:
    from domain import _envelope

    # The secret store's master key, as `flowplane dev` makes one for its home.
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "FLOWPLANE_SECRET_KEY": _envelope.encode_key(_envelope.new_key())}
    api = ApiServer(env).start()
    worker = FlowplaneProcess(["local-workers", "--interval", "0.2"], env).start()
    scheduler = FlowplaneProcess(["scheduler"], env).start()
    yield api
    scheduler.stop()
    worker.stop()
    api.stop()


@pytest.fixture(scope="package")
async def browser(_chromium_ready: None) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=DEADLINE_MS)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return LOOPBACK.match(parts.hostname or "") is not None


@dataclass
class Console:
    """One browser tab on the platform, and what it tried that it must not."""

    page: Any  # playwright Page (Any: playwright's types are not checked by mypy here)
    url: str
    outside: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    async def open(self, path: str) -> None:
        await self.page.goto(self.url + path)

    async def sign_in(self, token: str, organization: str = "") -> None:
        await self.open("/sign-in")
        await self.page.get_by_label("API token").fill(token)
        await self.page.get_by_label("Organization").fill(organization)
        await self.page.get_by_role("button", name="Sign in").click()
        await self.page.wait_for_url(re.compile(r"/workflows"))

    async def screenshot(self, name: str, hide: tuple[str, ...] = ()) -> Path:
        """Save a screenshot (into docs/screenshots/NAME.png under `make screenshots`); the
        elements matching the `hide` selectors (tokens) are painted over."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        mask = [self.page.locator(selector) for selector in hide]
        await self.page.screenshot(path=str(path), animations="disabled", mask=mask,
                                   mask_color="#e3e6eb")
        return path


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember each phase's outcome, so the fixture can keep a screenshot of a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


async def open_tab(browser: Any, url: str) -> tuple[Any, Console]:
    """A fresh context and tab that blocks and records every request leaving loopback, and
    records uncaught errors and Content-Security-Policy violations."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800},
                                        device_scale_factor=1, locale="en-GB")
    context.set_default_timeout(DEADLINE_MS)
    tab = Console(page=None, url=url)

    async def guard(route: Any) -> None:
        if is_loopback(route.request.url):
            await route.continue_()
        else:
            tab.outside.append(route.request.url)
            await route.abort("blockedbyclient")

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            tab.problems.append(f"CSP: {message.text}")

    def watch(page: Any) -> None:
        page.on("websocket",
                lambda ws: None if is_loopback(ws.url) else tab.outside.append(ws.url))
        page.on("pageerror", lambda error: tab.problems.append(f"uncaught: {error}"))
        page.on("console", on_console)

    await context.route("**/*", guard)
    context.on("page", watch)  # every tab of the context, also those the console opens
    tab.page = await context.new_page()
    return context, tab


@pytest.fixture
async def console(
    browser: Any, platform: ApiServer, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Console]:
    context, tab = await open_tab(browser, platform.url)
    try:
        yield tab
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            shot = tmp_path / "failure.png"
            await tab.page.screenshot(path=str(shot))
            print(f"screenshot of the failure: {shot}\nlast URL: {tab.page.url}")
    finally:
        await context.close()
    assert tab.outside == [], f"requests left loopback: {tab.outside}"
    assert tab.problems == [], tab.problems
