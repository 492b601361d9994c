"""Serving the web console and GraphiQL from the built assets: deep links answer the console's
page, hashed assets are cached for good, API paths are never swallowed by the fallback, and an
install without a build says how to build it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from graphql_api import console
from graphql_api.app import create_app

INDEX = '<!doctype html><div id="root"></div><script type="module" src="/assets/app-1a2b.js">'
GRAPHIQL = '<!doctype html><div id="graphiql"></div><script src="/assets/graphiql-3c4d.js">'


def _build(dist: Path) -> None:
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "graphiql.html").write_text(GRAPHIQL)
    (dist / "favicon.svg").write_text("<svg/>")
    (dist / "assets" / "app-1a2b.js").write_text("console.log('console')")


@pytest.fixture
async def http(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app, serving a build made in tmp_path (`_build` fills it in a test)."""
    monkeypatch.setattr(console, "DIST", tmp_path / "dist")
    (tmp_path / "dist").mkdir()
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(lifespan_pool=False)),
        base_url="http://test",
    )
    async with client:
        yield client


async def test_root_and_deep_links_answer_the_console_with_a_strict_csp(
    http: httpx.AsyncClient,
) -> None:
    _build(console.DIST)
    for path in ("/", "/workflows", "/workflows/report?status=ACTIVE", "/sign-in"):
        response = await http.get(path)
        assert response.status_code == 200, path
        assert response.text == INDEX
        assert response.headers["cache-control"] == "no-cache"
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "http" not in csp  # no other origin is allowed anything


async def test_assets_are_cached_for_good_and_missing_files_are_404(
    http: httpx.AsyncClient,
) -> None:
    _build(console.DIST)
    asset = await http.get("/assets/app-1a2b.js")
    assert asset.status_code == 200 and asset.text == "console.log('console')"
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (await http.get("/favicon.svg")).text == "<svg/>"
    for missing in ("/assets/gone-0000.js", "/robots.txt", "/workflows/x.png", "/.env",
                    "/assets/../index.html"):
        assert (await http.get(missing)).status_code == 404, missing


async def test_api_paths_are_not_swallowed_by_the_fallback(http: httpx.AsyncClient) -> None:
    _build(console.DIST)
    assert (await http.get("/healthz/x")).status_code == 404
    assert (await http.get("/webhooks/some-token")).status_code in (404, 405)
    metrics = await http.get("/metrics")  # Prometheus text, not the console's page
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "flowplane_graphql_requests" in metrics.text
    assert (await http.get("/metrics/x")).status_code == 404
    # POSTs are the API's: the console's fallback answers GET and HEAD only.
    assert (await http.post("/workflows", json={})).status_code == 405


async def test_a_browser_gets_the_local_graphiql_at_graphql(http: httpx.AsyncClient) -> None:
    _build(console.DIST)
    response = await http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.text == GRAPHIQL
    assert "content-security-policy" in response.headers
    # GraphQL over GET still answers a client that asks for JSON (here: that it must sign in).
    query = await http.get("/graphql", params={"query": "{ __typename }"},
                           headers={"Accept": "application/json"})
    assert query.status_code == 401
    assert query.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_without_a_build_the_pages_say_how_to_build_it(http: httpx.AsyncClient) -> None:
    for path, what in (("/workflows", "web console"), ("/graphql", "GraphiQL page")):
        response = await http.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 503, path
        assert f"The {what} has not been built" in response.text
        assert "make console" in response.text
    assert (await http.get("/assets/app-1a2b.js")).status_code == 404


def test_the_built_console_is_package_data() -> None:
    """pyproject ships console_dist/ with the graphql_api package, assets included."""
    import tomllib

    root = Path(__file__).resolve().parents[2]
    data = tomllib.loads((root / "pyproject.toml").read_text())
    patterns = data["tool"]["setuptools"]["package-data"]["graphql_api"]
    assert {"console_dist/*", "console_dist/assets/*"} <= set(patterns)
    assert root / "graphql_api" / "console_dist" == console.DIST
