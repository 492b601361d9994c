"""http.request: one HTTP call with httpx; 5xx, 408, 429 and network errors may be retried,
other 4xx answers cannot succeed on retry.

Every connection passes the egress guard (`engine.nodes._egress`). The body is streamed and
never held beyond `maxResponseBytes` (capped by the operator's maximum): a larger one fails the
node or, with `onOversize: truncate`, is cut off there and the span marked `outputTruncated`.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from domain.node_types import HttpRequestParams
from domain.settings import env_name, get_settings
from engine.errors import NodeError, PermanentError
from engine.nodes._bodies import read_capped
from engine.nodes._egress import guarded_client
from engine.nodes.base import NodeContext, NodeResult

RETRYABLE_STATUS = frozenset({408, 425, 429})
MAX_REDIRECTS = 10


def _url(ctx: NodeContext, url: str) -> str:
    if ctx.node.get("addOn") and url.startswith("/"):
        endpoint = str(ctx.service("addOns", "addOn").get("endpoint") or "")
        return endpoint.rstrip("/") + url
    return url


def _limit(params: HttpRequestParams) -> int:
    ceiling = get_settings().http_max_response_bytes
    if params.max_response_bytes is None:
        return ceiling
    if params.max_response_bytes > ceiling:
        raise PermanentError(
            f"maxResponseBytes {params.max_response_bytes} is above the operator's maximum "
            f"{ceiling} ({env_name('http_max_response_bytes')})")
    return params.max_response_bytes


def _decode(response: httpx.Response, raw: bytearray, truncated: bool) -> Any:
    """The answer (Any: JSON when the server says so and it is whole, text otherwise)."""
    text = raw.decode(response.encoding or "utf-8", errors="replace")
    if not truncated and "json" in response.headers.get("content-type", ""):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


async def http_request(ctx: NodeContext) -> NodeResult:
    params = ctx.params
    assert isinstance(params, HttpRequestParams)
    url, limit = _url(ctx, params.url), _limit(params)
    what = f"{params.method} {url}"
    headers = {**ctx.trace_headers, **params.headers}  # traceparent while traces are on
    if params.idempotency_header:
        headers[params.idempotency_header] = ctx.idempotency_key
    body = {} if params.body is None else {"json": params.body}
    try:
        async with guarded_client(ctx.egress, timeout=params.timeout_seconds,
                                  follow_redirects=params.follow_redirects,
                                  max_redirects=MAX_REDIRECTS) as client:
            request = client.build_request(params.method, url, headers=headers, **body)
            response = await client.send(request, stream=True)
            try:
                raw, truncated = await read_capped(response, limit, what,
                                             params.on_oversize == "truncate")
            finally:
                await response.aclose()
    except httpx.InvalidURL as error:
        raise PermanentError(f"invalid URL {url!r}: {error}") from None
    except httpx.UnsupportedProtocol as error:
        raise PermanentError(f"{what}: {error}") from None
    except httpx.TooManyRedirects:
        raise PermanentError(f"{what}: more than {MAX_REDIRECTS} redirects") from None
    except httpx.HTTPError as error:
        raise NodeError(f"{what} failed: {error!r}") from None
    ctx.log(f"{what} -> {response.status_code}" + (f", cut at {limit} bytes" if truncated
                                                   else ""))
    output = {"status": response.status_code, "headers": dict(response.headers),
              "body": _decode(response, raw, truncated), "truncated": truncated}
    if response.status_code >= 500 or response.status_code in RETRYABLE_STATUS:
        raise NodeError(f"{what} answered {response.status_code}")
    if response.status_code >= 400:
        raise PermanentError(f"{what} answered {response.status_code}")
    return NodeResult(output, truncated=truncated)
