"""The push webhook of the git sync: `POST /webhooks/sync/{org_slug}` queues a sync run for the
organization (like `syncNow`), so a push is reconciled on the daemon's next tick.

Each organization has its own secret: the operator enables the webhook for an organization
with `FLOWPLANE_SYNC_WEBHOOK_SECRET_REF_<SLUG>` (slug upper-cased, other characters than
letters and digits as `_`), a secret reference as JSON: `{"env": "NAME"}`, `{"file": "/path"}`
or `{"secret": {"name", "key"}}`. One organization's secret cannot queue another's sync. A
delivery must carry the HMAC-SHA256 of its raw body keyed with that secret as
`X-Hub-Signature-256: sha256=<hex>` (GitHub) or `X-Flowplane-Signature: sha256=<hex>`; GitHub
signs no timestamp, so a delivery is de-duplicated by its `X-GitHub-Delivery` id instead (a
redelivery answers 200 `{"duplicate": true}` and queues nothing). The body itself is not
read: the daemon reads the branch.
"""

from __future__ import annotations

import hmac
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from db.engine import engine
from domain.errors import NotFound
from domain.organizations import organization_by_slug
from domain.services import UnresolvedReference, resolve_secret
from domain.settings import get_settings
from domain.sync_runs import request_sync
from domain.webhook_receipts import claim_receipt
from domain.webhooks import SIGNATURE_HEADER, WebhookRejected, sign_body

SIGNATURE_HEADERS = (SIGNATURE_HEADER, "x-hub-signature-256")
DELIVERY_HEADER = "x-github-delivery"
SECRET_REF_PREFIX = "FLOWPLANE_SYNC_WEBHOOK_SECRET_REF_"
DELIVERY_MEMORY_SECONDS = 7 * 24 * 3600.0  # GitHub redelivers deliveries of the last days


@dataclass(frozen=True)
class SyncRequested:
    run_id: int | None  # the queued run (the same one while a run is already queued)
    duplicate: bool = False  # a redelivery of an accepted X-GitHub-Delivery: nothing queued


def secret_ref_variable(slug: str) -> str:
    """The variable that enables the webhook for one organization."""
    return SECRET_REF_PREFIX + re.sub(r"[^A-Z0-9]", "_", slug.upper())


def _secret(slug: str) -> str | WebhookRejected:
    variable = secret_ref_variable(slug)
    text = os.environ.get(variable, "").strip()
    if not text:
        return WebhookRejected(404, f"the sync webhook is not enabled for {slug!r} "
                                    f"(the operator sets {variable})")
    try:
        ref = json.loads(text)
        if not isinstance(ref, dict):
            raise UnresolvedReference([f"{variable} is not a JSON object"])
        return resolve_secret(ref)
    except (ValueError, UnresolvedReference) as error:
        return WebhookRejected(503, f"the sync webhook secret does not resolve: {error}")


def _signed(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    expected = sign_body(secret, body).encode()
    return any(hmac.compare_digest(headers.get(name, "").encode(), expected)
               for name in SIGNATURE_HEADERS)


async def receive_sync_webhook(
    org_slug: str, body: bytes, headers: Mapping[str, str]
) -> SyncRequested | WebhookRejected:
    """Queue a sync run for a correctly signed delivery; headers are matched in lower case."""
    headers = {k.lower(): v for k, v in headers.items()}
    if len(body) > get_settings().max_request_bytes:
        return WebhookRejected(413, "the body is too large")
    secret = _secret(org_slug)
    if isinstance(secret, WebhookRejected):
        return secret
    if not _signed(secret, body, headers):
        return WebhookRejected(401, f"missing or invalid {SIGNATURE_HEADER} or "
                                    "x-hub-signature-256 header")
    try:
        organization = await organization_by_slug(org_slug)
    except NotFound:
        return WebhookRejected(404, f"organization {org_slug!r} does not exist")
    delivery = headers.get(DELIVERY_HEADER, "").strip()
    async with engine().transaction():  # the receipt commits with the queued run
        if delivery and not await claim_receipt(organization.id, "delivery", delivery,
                                                DELIVERY_MEMORY_SECONDS):
            return SyncRequested(None, duplicate=True)
        run = await request_sync(organization.id)
    return SyncRequested(run.id)
