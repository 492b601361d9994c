"""GET /metrics: this API process's metrics in the Prometheus text format (OpenMetrics when
asked). Open by default, like most exporters (the figures carry no names, tokens or tenant
data); with FLOWPLANE_METRICS_TOKEN set, a scrape must send it as a bearer token, for an API
whose port is public."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from domain.settings import get_settings
from telemetry.exposition import authorized, render


async def metrics(request: Request) -> Response:
    if not authorized(request.headers.get("authorization"), get_settings().metrics_token):
        return PlainTextResponse(
            "metrics need Authorization: Bearer <FLOWPLANE_METRICS_TOKEN>\n", status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    body, content_type = render(request.headers.get("accept"))
    return Response(body, headers={"Content-Type": content_type})
