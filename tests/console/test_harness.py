"""The harness itself: a page that reaches past loopback is stopped and reported, so the
console tests' "nothing left loopback" is a real check."""

from __future__ import annotations

from typing import Any

from tests.console.conftest import is_loopback, open_tab
from tests.processes import ApiServer


def test_only_loopback_counts_as_local() -> None:
    local = ["http://127.0.0.1:8000/graphql", "ws://localhost:1/graphql", "http://[::1]:80/",
             "data:text/plain,x", "blob:http://127.0.0.1/abc"]
    outside = ["https://fonts.googleapis.com/css", "http://10.0.0.1/", "http://192.168.1.1/",
               "https://cdn.jsdelivr.net/npm/graphiql", "http://127.0.0.1.example.com/"]
    assert [u for u in local if not is_loopback(u)] == []
    assert [u for u in outside if is_loopback(u)] == []


async def test_a_request_leaving_loopback_is_blocked_and_recorded(
    browser: Any, platform: ApiServer
) -> None:
    context, tab = await open_tab(browser, platform.url)
    try:
        await tab.open("/healthz")
        outcome = await tab.page.evaluate(
            "fetch('https://cdn.jsdelivr.net/npm/graphiql').then(() => 'loaded', () => 'failed')"
        )
    finally:
        await context.close()
    assert outcome == "failed"
    assert tab.outside == ["https://cdn.jsdelivr.net/npm/graphiql"]
