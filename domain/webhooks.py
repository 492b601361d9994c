"""Webhook triggers: the unguessable token per workflow, its URL, and receiving a delivery.

The token lives on `workflow.webhook_token` and survives redeploys; `rotate_webhook_token`
replaces it (`rotate_workflow_webhook` for API callers). A delivery is accepted, and the URL
shown, only while the workflow is active with a webhook trigger. With `trigger.secretRef` set,
it must carry `X-Flowplane-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body keyed
with the resolved secret. An `Idempotency-Key` header makes a repeated
delivery return the execution the first one created.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain._sql import decode, fetch_one
from domain.access import Actor
from domain.errors import NotFound
from domain.executions import create_execution, dispatch
from domain.services import UnresolvedReference, resolve_secret
from domain.settings import get_settings
from domain.workflows import check_writable, get_workflow

SIGNATURE_HEADER = "x-flowplane-signature"
IDEMPOTENCY_HEADER = "idempotency-key"
MAX_IDEMPOTENCY_KEY = 200


@dataclass(frozen=True)
class WebhookAccepted:
    execution_id: int
    duplicate: bool  # an earlier delivery with the same Idempotency-Key created it


@dataclass(frozen=True)
class WebhookRejected:
    status: int  # the HTTP status to answer with
    message: str


WebhookOutcome = WebhookAccepted | WebhookRejected


def new_token() -> str:
    return secrets.token_urlsafe(32)


def accepts_deliveries(workflow: Mapping[str, Any]) -> bool:
    """Active with a webhook trigger (Any: workflow row with `trigger` decoded)."""
    trigger = workflow.get("trigger") or {}
    return workflow.get("status") == "active" and trigger.get("type") == "webhook"


def webhook_url(workflow: Mapping[str, Any]) -> str | None:
    """The URL to give callers (Any: workflow row), or None without a token or while the
    workflow does not accept deliveries."""
    token = workflow.get("webhook_token")
    if not token or not accepts_deliveries(workflow):
        return None
    return f"{get_settings().public_url.rstrip('/')}/webhooks/{token}"


async def ensure_webhook_token(workflow_id: int) -> str:
    """The workflow's token, created on first use (deploy or API calls this)."""
    row = await fetch_one(
        "UPDATE workflow SET webhook_token = coalesce(webhook_token, $2) WHERE id = $1"
        " RETURNING webhook_token", workflow_id, new_token())
    if row is None:
        raise NotFound(f"workflow {workflow_id} does not exist")
    return str(row["webhook_token"])


async def rotate_webhook_token(workflow_id: int) -> str:
    row = await fetch_one(
        "UPDATE workflow SET webhook_token = $2, updated_at = now() WHERE id = $1"
        " RETURNING webhook_token", workflow_id, new_token())
    if row is None:
        raise NotFound(f"workflow {workflow_id} does not exist")
    return str(row["webhook_token"])


async def rotate_workflow_webhook(actor: Actor, workflow_id: int) -> dict[str, Any]:
    """rotateWebhookToken: a new token for a caller who may change the workflow (the old URL
    stops working at once); the workflow row."""
    await check_writable(actor, workflow_id)
    await rotate_webhook_token(workflow_id)
    return await get_workflow(actor, workflow_id)


def sign(secret: str, body: bytes) -> str:
    """The signature header value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _check_signature(trigger: dict[str, Any], body: bytes,
                     headers: Mapping[str, str]) -> WebhookRejected | None:
    ref = trigger.get("secretRef")
    if not ref:
        return None
    try:
        secret = resolve_secret(ref)
    except UnresolvedReference as error:
        return WebhookRejected(503, f"the webhook secret does not resolve: {error}")
    given = headers.get(SIGNATURE_HEADER, "")
    if not hmac.compare_digest(given.encode(), sign(secret, body).encode()):
        return WebhookRejected(401, f"missing or invalid {SIGNATURE_HEADER} header")
    return None


def _input(body: bytes) -> dict[str, Any] | WebhookRejected:
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except ValueError:
        return WebhookRejected(400, "the body is not JSON")
    return value if isinstance(value, dict) else {"body": value}


async def receive_webhook(token: str, body: bytes,
                          headers: Mapping[str, str]) -> WebhookOutcome:
    """Start (or find, by Idempotency-Key) the execution for one delivery; headers are
    matched in lower case."""
    headers = {k.lower(): v for k, v in headers.items()}
    if len(body) > get_settings().max_request_bytes:
        return WebhookRejected(413, "the body is too large")
    workflow = await fetch_one("SELECT id, status, trigger FROM workflow"
                               " WHERE webhook_token = $1", token)
    if workflow is None:
        return WebhookRejected(404, "no workflow has this webhook")
    trigger = decode(workflow)["trigger"] or {}
    if not accepts_deliveries(workflow):
        return WebhookRejected(409, "the workflow is not active with a webhook trigger")
    rejected = _check_signature(trigger, body, headers)
    if rejected is not None:
        return rejected
    payload = _input(body)
    if isinstance(payload, WebhookRejected):
        return payload
    key = headers.get(IDEMPOTENCY_HEADER) or None
    if key is not None and len(key) > MAX_IDEMPOTENCY_KEY:
        return WebhookRejected(400, f"Idempotency-Key is longer than {MAX_IDEMPOTENCY_KEY}")
    row, created = await create_execution(
        workflow["id"], trigger_type="webhook", triggered_by=None, input=payload,
        idempotency_key=key)
    if created:
        await dispatch(row)
    return WebhookAccepted(int(row["id"]), not created)
