"""Webhook deliveries through the real Starlette app on a local port."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from domain.executions import load_execution, load_workflow
from domain.secret_store import set_secret
from domain.settings import get_settings
from domain.webhooks import ensure_webhook_token, rotate_webhook_token, sign, webhook_url
from graphql_api.app import create_app
from tests.engine.servers import serve
from tests.factory import Factory


@pytest.fixture
async def api(db: str, redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    get_settings.cache_clear()
    async with serve(create_app()) as url, httpx.AsyncClient(base_url=url) as client:
        yield client
    get_settings.cache_clear()


async def _webhook_workflow(factory: Factory, status: str = "active",
                            **trigger: Any) -> tuple[dict[str, Any], str]:
    org = await factory.org()
    user = await factory.user(org=org)
    wf = await factory.workflow(org, user, status=status, trigger={"type": "webhook", **trigger})
    return wf, await ensure_webhook_token(wf["id"])


async def test_delivery_starts_execution_with_body_as_input(
    factory: Factory, api: httpx.AsyncClient
) -> None:
    wf, token = await _webhook_workflow(factory)
    answer = await api.post(f"/webhooks/{token}", json={"order": 42})
    assert answer.status_code == 202
    execution = await load_execution(answer.json()["executionId"])
    assert (execution.workflow, execution.input) == (wf["id"], {"order": 42})
    assert (execution.trigger_type, execution.status) == ("webhook", "pending")


async def test_unknown_token_is_404_and_inactive_workflow_is_409(
    factory: Factory, api: httpx.AsyncClient
) -> None:
    assert (await api.post("/webhooks/nope", json={})).status_code == 404
    _, token = await _webhook_workflow(factory, status="draft")
    assert (await api.post(f"/webhooks/{token}", json={})).status_code == 409


async def test_signature_is_required_when_secret_ref_is_set(
    factory: Factory, api: httpx.AsyncClient, secret_key: bytes
) -> None:
    wf, token = await _webhook_workflow(factory, secretRef={"secret": "signing"})
    await set_secret(wf["organization"], "signing", "s3cret", actor=None)
    body, now = json.dumps({"a": 1}).encode(), int(time.time())
    unsigned = await api.post(f"/webhooks/{token}", content=body)
    assert unsigned.status_code == 401
    forged = await api.post(f"/webhooks/{token}", content=body,
                            headers={"X-Flowplane-Signature": sign("wrong", body, now)})
    assert forged.status_code == 401
    signed = await api.post(f"/webhooks/{token}", content=body,
                            headers={"X-Flowplane-Signature": sign("s3cret", body, now)})
    assert signed.status_code == 202


async def test_idempotency_key_returns_the_same_execution(
    factory: Factory, api: httpx.AsyncClient
) -> None:
    _, token = await _webhook_workflow(factory)
    headers = {"Idempotency-Key": "delivery-1"}
    first = await api.post(f"/webhooks/{token}", json={"n": 1}, headers=headers)
    again = await api.post(f"/webhooks/{token}", json={"n": 1}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["executionId"] == again.json()["executionId"]
    assert (first.json()["duplicate"], again.json()["duplicate"]) == (False, True)


async def test_invalid_json_is_400(factory: Factory, api: httpx.AsyncClient) -> None:
    _, token = await _webhook_workflow(factory)
    assert (await api.post(f"/webhooks/{token}", content=b"{nope")).status_code == 400


async def test_token_is_stable_until_rotated(
    factory: Factory, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWPLANE_PUBLIC_URL", "https://flow.example")
    get_settings.cache_clear()
    wf, token = await _webhook_workflow(factory)
    assert await ensure_webhook_token(wf["id"]) == token
    assert len(token) >= 40
    assert webhook_url(await load_workflow(wf["id"])) == f"https://flow.example/webhooks/{token}"
    rotated = await rotate_webhook_token(wf["id"])
    assert rotated != token
    assert (await api.post(f"/webhooks/{token}", json={})).status_code == 404
    assert (await api.post(f"/webhooks/{rotated}", json={})).status_code == 202


async def test_a_signing_secret_from_the_store_resolves_in_the_workflows_organization(
    factory: Factory, api: httpx.AsyncClient, secret_key: bytes
) -> None:
    wf, token = await _webhook_workflow(factory, secretRef={"secret": "hook-key"})
    _, other_token = await _webhook_workflow(factory, secretRef={"secret": "hook-key"})
    await set_secret(wf["organization"], "hook-key", "s3cret", actor=None)
    body, now = json.dumps({"a": 1}).encode(), int(time.time())
    headers = {"X-Flowplane-Signature": sign("s3cret", body, now)}
    assert (await api.post(f"/webhooks/{token}", content=body, headers=headers)).status_code == 202
    # The same name in another organization is that organization's own, and it has none.
    refused = await api.post(f"/webhooks/{other_token}", content=body, headers=headers)
    assert refused.status_code == 503
    assert "does not exist in this organization" in refused.text
    assert "s3cret" not in refused.text
