"""ai.chat: an OpenAI-compatible chat-completions call to the model the node names."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx

from domain.egress import EgressPolicy, with_host
from domain.node_types import AiChatParams
from domain.settings import env_name, get_settings
from engine.errors import NodeError, PermanentError
from engine.nodes._bodies import read_capped
from engine.nodes._egress import guarded_client
from engine.nodes.base import NodeContext, NodeResult

TIMEOUT_SECONDS = 120.0


def _request(ctx: NodeContext, params: AiChatParams) -> tuple[str, dict[str, Any], dict[str, str]]:
    model = ctx.service("models", "model")
    base_url = model.get("baseUrl") or (ctx.services.get("aiGateway") or {}).get("baseUrl")
    if not base_url:
        raise PermanentError(f"model {ctx.node.get('model')!r} has no base URL")
    messages = [] if params.system is None else [{"role": "system", "content": params.system}]
    messages.append({"role": "user", "content": params.prompt})
    body: dict[str, Any] = {"model": model["model"], "messages": messages,
                            "temperature": params.temperature}
    if params.max_tokens is not None:
        body["max_tokens"] = params.max_tokens
    headers = {"Authorization": f"Bearer {model['apiKey']}"} if model.get("apiKey") else {}
    return str(base_url).rstrip("/") + "/chat/completions", body, headers


def _policy(ctx: NodeContext) -> EgressPolicy:
    """The organization's policy plus the platform's own AI gateway, which the operator
    configured (a model's own `baseUrl` passes the guard like any other URL)."""
    gateway = urlsplit(str((ctx.services.get("aiGateway") or {}).get("baseUrl") or ""))
    return with_host(ctx.egress, gateway.hostname) if gateway.hostname else ctx.egress


async def ai_chat(ctx: NodeContext) -> NodeResult:
    params = ctx.params
    assert isinstance(params, AiChatParams)
    url, body, headers = _request(ctx, params)
    limit = get_settings().http_max_response_bytes
    try:
        async with guarded_client(_policy(ctx), timeout=TIMEOUT_SECONDS) as client:
            request = client.build_request("POST", url, json=body, headers=headers)
            response = await client.send(request, stream=True)
            try:  # an answer is read only up to the operator's cap, as for http.request
                raw, _ = await read_capped(response, limit, f"chat completion at {url}", False,
                                           env_name("http_max_response_bytes"))
            finally:
                await response.aclose()
    except httpx.HTTPError as error:
        raise NodeError(f"chat completion at {url} failed: {error!r}") from None
    text = raw.decode(response.encoding or "utf-8", errors="replace")
    if response.status_code >= 500 or response.status_code == 429:
        raise NodeError(f"chat completion at {url} answered {response.status_code}")
    if response.status_code >= 400:
        raise PermanentError(f"chat completion at {url} answered {response.status_code}: "
                             f"{text[:500]}")
    try:
        data = json.loads(text)
    except ValueError:
        raise NodeError(f"chat completion at {url} did not answer JSON") from None
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise NodeError(f"chat completion at {url} returned no message") from None
    ctx.log(f"model {body['model']} answered {len(content or '')} characters")
    return NodeResult({"content": content, "model": data.get("model"),
                       "usage": data.get("usage")})
