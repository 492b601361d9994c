"""Webhook triggers: the unguessable token per workflow, its URL, and receiving a delivery.

The token lives on `workflow.webhook_token` and survives redeploys; `rotate_webhook_token`
replaces it (`rotate_workflow_webhook` for API callers). A delivery is accepted, and the URL
shown, only while the workflow is active with a webhook trigger.

With `trigger.secretRef` set, a delivery must carry `X-Flowplane-Signature: t=<unix seconds>,
v1=<hex>`, where v1 is the HMAC-SHA256 of `<t>.<raw body>` keyed with the resolved secret (in
the style of Stripe; several v1 values may be given, e.g. during a secret rotation). It is
refused when `t` is further than `FLOWPLANE_WEBHOOK_TOLERANCE_SECONDS` from the database's
clock, and when the same signature was accepted before (a replay). An `Idempotency-Key`
header makes a repeated delivery return the execution the first one created; the same key
with a different body is refused (422). The body must be JSON that can be stored
(`domain.json_body`), else 400.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from db.engine import engine
from domain._sql import decode, fetch_one
from domain.access import Actor
from domain.errors import NotFound
from domain.executions import create_execution, dispatch
from domain.json_body import InvalidJsonBody, parse_json_body
from domain.rows import WorkflowRow
from domain.services import UnresolvedReference, resolve_reference
from domain.settings import env_name, get_settings
from domain.webhook_receipts import claim_receipt
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


def accepts_deliveries(status: str, trigger: Mapping[str, Any] | None) -> bool:
    """Active with a webhook trigger (Any: the decoded `trigger` of a workflow)."""
    return status == "active" and (trigger or {}).get("type") == "webhook"


def webhook_url(workflow: WorkflowRow) -> str | None:
    """The URL to give callers, or None without a token or while the workflow does not
    accept deliveries."""
    token = workflow.webhook_token
    if not token or not accepts_deliveries(workflow.status, workflow.trigger):
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


async def rotate_workflow_webhook(actor: Actor, workflow_id: int) -> WorkflowRow:
    """rotateWebhookToken: a new token for a caller who may change the workflow (the old URL
    stops working at once); the workflow row."""
    await check_writable(actor, workflow_id)
    await rotate_webhook_token(workflow_id)
    return await get_workflow(actor, workflow_id)


def sign_body(secret: str, body: bytes) -> str:
    """`sha256=<hex>` of the body alone (GitHub's X-Hub-Signature-256, the sync webhook)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _mac(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body,
                    hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The X-Flowplane-Signature value for `body` sent at `timestamp` (unix seconds)."""
    return f"t={timestamp},v1={_mac(secret, str(timestamp), body)}"


@dataclass(frozen=True)
class _Signed:
    timestamp: int
    mac: str  # the v1 value that matched


_FORMAT = (f"{SIGNATURE_HEADER} must be t=<unix seconds>,v1=<hex HMAC-SHA256 of "
           "\"<t>.<body>\">")


def _parse(header: str) -> tuple[str, list[str]] | None:
    parts = [item.partition("=") for item in header.split(",")]
    stamps = [v.strip() for k, _, v in parts if k.strip() == "t"]
    macs = [v.strip() for k, _, v in parts if k.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].isdigit() or len(stamps[0]) > 12 or not macs:
        return None
    return stamps[0], macs


def _check_signature(secret: str, body: bytes, headers: Mapping[str, str],
                     now: float) -> _Signed | WebhookRejected:
    parsed = _parse(headers.get(SIGNATURE_HEADER, ""))
    if parsed is None:
        return WebhookRejected(401, f"missing or malformed {SIGNATURE_HEADER}: {_FORMAT}")
    stamp, macs = parsed
    expected = _mac(secret, stamp, body).encode()
    matched = [m for m in macs if hmac.compare_digest(m.encode(), expected)]
    if not matched:
        return WebhookRejected(401, f"invalid {SIGNATURE_HEADER}: no v1 matches the body "
                                    "signed with the webhook secret")
    tolerance = get_settings().webhook_tolerance_seconds
    if abs(now - int(stamp)) > tolerance:
        return WebhookRejected(401, (
            f"the {SIGNATURE_HEADER} timestamp is {int(now) - int(stamp)} s away from the "
            f"server's clock; deliveries are accepted within {tolerance:g} s "
            f"({env_name('webhook_tolerance_seconds')})"))
    return _Signed(int(stamp), matched[0])


async def _secret(workflow: Mapping[str, Any]) -> str | WebhookRejected | None:
    """The signing secret, resolved inside the workflow's organization like every reference."""
    ref = (workflow["trigger"] or {}).get("secretRef")
    if not ref:
        return None
    try:
        return await resolve_reference(int(workflow["organization"]), str(workflow["slug"]), ref)
    except UnresolvedReference as error:
        return WebhookRejected(503, f"the webhook secret does not resolve: {error}")


def _input(body: bytes) -> dict[str, Any] | WebhookRejected:
    if not body.strip():
        return {}
    try:
        value = parse_json_body(body)
    except InvalidJsonBody as error:
        return WebhookRejected(400, str(error))
    return value if isinstance(value, dict) else {"body": value}


def _key(headers: Mapping[str, str]) -> str | WebhookRejected | None:
    key = headers.get(IDEMPOTENCY_HEADER) or None
    if key is not None and len(key) > MAX_IDEMPOTENCY_KEY:
        return WebhookRejected(400, f"Idempotency-Key is longer than {MAX_IDEMPOTENCY_KEY}")
    return key


async def _first_delivery(workflow: Mapping[str, Any], signed: _Signed,
                          key: str | None) -> WebhookRejected | None:
    """None when this signature was not accepted before; a replay is refused unless it is
    the retry of a delivery whose Idempotency-Key already has its execution (the key is not
    signed: a replay under a new key would start a run)."""
    digest = hashlib.sha256(f"{workflow['id']}:{signed.timestamp}:{signed.mac}".encode())
    keep = 2 * get_settings().webhook_tolerance_seconds
    if await claim_receipt(int(workflow["organization"]), "signature", digest.hexdigest(), keep):
        return None
    if key is not None and await fetch_one(
            "SELECT id FROM execution WHERE workflow = $1 AND idempotency_key = $2",
            workflow["id"], key) is not None:
        return None
    return WebhookRejected(409, "this signed delivery was received before (a replay); sign "
                                "each delivery anew, or send it with its Idempotency-Key")


async def _check(workflow: dict[str, Any], body: bytes, headers: Mapping[str, str],
                 key: str | None) -> WebhookRejected | None:
    if not accepts_deliveries(str(workflow["status"]), workflow["trigger"]):
        return WebhookRejected(409, "the workflow is not active with a webhook trigger")
    secret = await _secret(workflow)
    if secret is None or isinstance(secret, WebhookRejected):
        return secret
    signed = _check_signature(secret, body, headers, float(workflow["now"]))
    if isinstance(signed, WebhookRejected):
        return signed
    return await _first_delivery(workflow, signed, key)


async def receive_webhook(token: str, body: bytes,
                          headers: Mapping[str, str]) -> WebhookOutcome:
    """Start (or find, by Idempotency-Key) the execution for one delivery; headers are
    matched in lower case."""
    headers = {k.lower(): v for k, v in headers.items()}
    if len(body) > get_settings().max_request_bytes:
        return WebhookRejected(413, "the body is too large")
    key = _key(headers)
    if isinstance(key, WebhookRejected):
        return key
    workflow = await fetch_one(
        "SELECT w.id, w.organization, o.slug, w.status, w.trigger,"
        " extract(epoch FROM clock_timestamp())::float8 AS now"
        " FROM workflow w JOIN organization o ON o.id = w.organization"
        " WHERE w.webhook_token = $1", token)
    if workflow is None:
        return WebhookRejected(404, "no workflow has this webhook")
    decode(workflow)
    payload = _input(body)
    # The signature's receipt commits with the execution: a delivery that fails on the way
    # can be sent again with the same signature.
    async with engine().transaction():
        rejected = await _check(workflow, body, headers, key)
        if rejected is not None:
            return rejected
        if isinstance(payload, WebhookRejected):
            return payload
        row, created = await create_execution(
            workflow["id"], trigger_type="webhook", triggered_by=None, input=payload,
            idempotency_key=key)
    if created:
        await dispatch(row)
    elif row.input != payload:
        return WebhookRejected(422, "this Idempotency-Key was used before with a different "
                                    "body; use a new key for a new delivery")
    return WebhookAccepted(row.id, not created)
