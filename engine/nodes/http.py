"""http.request: one HTTP call with httpx; 5xx, 408, 429 and network errors may be retried,
other 4xx answers cannot succeed on retry."""

from __future__ import annotations

from typing import Any

import httpx

from domain.node_types import HttpRequestParams
from engine.errors import NodeError, PermanentError
from engine.nodes.base import NodeContext, NodeResult

RETRYABLE_STATUS = frozenset({408, 425, 429})


def _url(ctx: NodeContext, url: str) -> str:
    if ctx.node.get("addOn") and url.startswith("/"):
        endpoint = str(ctx.service("addOns", "addOn").get("endpoint") or "")
        return endpoint.rstrip("/") + url
    return url


def _body(response: httpx.Response) -> Any:
    """The decoded answer (Any: JSON when the server says so, text otherwise)."""
    if "json" in response.headers.get("content-type", ""):
        try:
            return response.json()
        except ValueError:
            return response.text
    return response.text


async def http_request(ctx: NodeContext) -> NodeResult:
    params = ctx.params
    assert isinstance(params, HttpRequestParams)
    url = _url(ctx, params.url)
    body = {} if params.body is None else {"json": params.body}
    try:
        async with httpx.AsyncClient(timeout=params.timeout_seconds) as client:
            response = await client.request(params.method, url, headers=params.headers, **body)
    except httpx.InvalidURL as error:
        raise PermanentError(f"invalid URL {url!r}: {error}") from None
    except httpx.HTTPError as error:
        raise NodeError(f"{params.method} {url} failed: {error!r}") from None
    ctx.log(f"{params.method} {url} -> {response.status_code}")
    output = {"status": response.status_code, "headers": dict(response.headers),
              "body": _body(response)}
    if response.status_code >= 500 or response.status_code in RETRYABLE_STATUS:
        raise NodeError(f"{params.method} {url} answered {response.status_code}")
    if response.status_code >= 400:
        raise PermanentError(f"{params.method} {url} answered {response.status_code}")
    return NodeResult(output)
