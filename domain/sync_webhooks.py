"""The push webhook of the git sync: `POST /webhooks/sync/{org_slug}` queues a sync run for the
organization (like `syncNow`), so a push is reconciled on the daemon's next tick.

Enabled by the setting `sync_webhook_secret_ref` (FLOWPLANE_SYNC_WEBHOOK_SECRET_REF), a secret
reference as JSON: `{"env": "NAME"}`, `{"file": "/path"}` or `{"secret": {"name", "key"}}`.
One secret serves every organization. A delivery must carry the HMAC-SHA256 of its raw body
keyed with that secret as `X-Flowplane-Signature: sha256=<hex>` or, as GitHub sends it,
`X-Hub-Signature-256: sha256=<hex>`. The body itself is not read: the daemon reads the branch.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

from domain.errors import NotFound
from domain.organizations import organization_by_slug
from domain.services import UnresolvedReference, resolve_secret
from domain.settings import get_settings
from domain.sync_runs import request_sync
from domain.webhooks import SIGNATURE_HEADER, WebhookRejected, sign

SIGNATURE_HEADERS = (SIGNATURE_HEADER, "x-hub-signature-256")


@dataclass(frozen=True)
class SyncRequested:
    run_id: int  # the queued run (the same one while a run is already queued)


def _secret() -> str | WebhookRejected:
    text = get_settings().sync_webhook_secret_ref.strip()
    if not text:
        return WebhookRejected(404, "the sync webhook is not enabled")
    try:
        ref = json.loads(text)
        if not isinstance(ref, dict):
            raise UnresolvedReference(["sync_webhook_secret_ref is not a JSON object"])
        return resolve_secret(ref)
    except (ValueError, UnresolvedReference) as error:
        return WebhookRejected(503, f"the sync webhook secret does not resolve: {error}")


def _signed(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    expected = sign(secret, body).encode()
    return any(hmac.compare_digest(headers.get(name, "").encode(), expected)
               for name in SIGNATURE_HEADERS)


async def receive_sync_webhook(
    org_slug: str, body: bytes, headers: Mapping[str, str]
) -> SyncRequested | WebhookRejected:
    """Queue a sync run for a correctly signed delivery; headers are matched in lower case."""
    headers = {k.lower(): v for k, v in headers.items()}
    if len(body) > get_settings().max_request_bytes:
        return WebhookRejected(413, "the body is too large")
    secret = _secret()
    if isinstance(secret, WebhookRejected):
        return secret
    if not _signed(secret, body, headers):
        return WebhookRejected(401, f"missing or invalid {SIGNATURE_HEADER} header")
    try:
        organization = await organization_by_slug(org_slug)
    except NotFound:
        return WebhookRejected(404, f"organization {org_slug!r} does not exist")
    run = await request_sync(int(organization["id"]))
    return SyncRequested(int(run["id"]))
