"""The web console and GraphiQL, served from the assets `make dev` / `make test` build into
`graphql_api/console_dist/` (package data, so an installed Flowplane serves them without Node).

`/assets/*` are content-hashed files, cached for a year; every other GET that is not an API
route answers the console's `index.html`, so deep links (`/workflows?status=ACTIVE`) work on
reload. GraphiQL (`graphiql.html`) is what a browser gets from `GET /graphql`. HTML pages carry
a Content-Security-Policy that allows this origin only: nothing can load from the internet.
When the console was not built, its pages say so and how to build it; the API works as ever.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

DIST = Path(__file__).parent / "console_dist"
# Paths the API owns (or may own soon): never answered with the console's page.
API_PREFIXES = ("graphql", "webhooks", "healthz", "metrics", "assets")
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "worker-src 'self'",
    # React Flow and GraphiQL's editor set inline styles.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flowplane: {what} not built</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}}
code{{background:#f0f2f5;padding:1px 4px;border-radius:4px}}</style></head>
<body><h1>The {what} has not been built</h1>
<p>This Flowplane was installed without its web assets. Build them with Node.js 20 or newer:
run <code>make console</code> (or <code>make dev</code>) in the source checkout, or
<code>npm ci &amp;&amp; npm run build</code> in <code>console/</code>.</p>
<p>The GraphQL API itself works: <code>POST /graphql</code>.</p></body></html>
"""


class HashedAssets(StaticFiles):
    """Vite names every asset by its content hash, so a cached copy never goes stale. The
    folder may be missing (not built yet, or being rebuilt): then every asset is a 404."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory, check_dir=False)

    async def check_config(self) -> None:
        return None

    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def html_page(dist: Path, name: str, what: str) -> Response:
    """A built HTML page with the console's security headers, or the page saying how to
    build it (503)."""
    path = dist / name
    if not path.is_file():
        return HTMLResponse(NOT_BUILT.format(what=what), status_code=503,
                            headers={"Cache-Control": "no-cache"})
    return HTMLResponse(path.read_text(encoding="utf-8"), headers=PAGE_HEADERS)


def graphiql_page(dist: Path | None = None) -> Response:
    return html_page(dist or DIST, "graphiql.html", "GraphiQL page")


def _top_level_file(dist: Path, path: str) -> Path | None:
    """A file at the root of the build (favicon.svg), never anything above or below it."""
    if not path or "/" in path or path.startswith("."):
        return None
    candidate = dist / path
    return candidate if candidate.is_file() and path not in ("index.html", "graphiql.html") \
        else None


def console_routes(dist: Path | None = None) -> list[BaseRoute]:
    """Routes to append after the API's own: assets, root files and the SPA fallback."""
    dist = dist or DIST

    async def page(request: Request) -> Response:
        path = request.path_params["path"]
        if path.split("/", 1)[0] in API_PREFIXES:
            return PlainTextResponse("Not Found", status_code=404)
        file = _top_level_file(dist, path)
        if file is not None:
            return FileResponse(file, headers={"Cache-Control": "public, max-age=3600"})
        if "." in path.rsplit("/", 1)[-1]:
            return PlainTextResponse("Not Found", status_code=404)  # a missing file, not a page
        return html_page(dist, "index.html", "web console")

    return [
        Mount("/assets", app=HashedAssets(dist / "assets"), name="console-assets"),
        Route("/{path:path}", page, methods=["GET", "HEAD"]),
    ]
