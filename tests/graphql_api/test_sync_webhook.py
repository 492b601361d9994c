"""`POST /webhooks/sync/{org}`: a push notification signed with the organization's secret
queues a sync run for it; anything else (another organization's secret, a redelivery) is
refused or answered without queueing anything."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from db.tables import SyncRun
from domain.settings import get_settings
from domain.webhooks import sign_body as sign
from tests.factory import Factory

SECRET = "push-secret"
BODY = json.dumps({"ref": "refs/heads/main"}).encode()


@pytest.fixture
def enabled(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SYNC_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("FLOWPLANE_SYNC_WEBHOOK_SECRET_REF_ACME", '{"env": "SYNC_WEBHOOK_SECRET"}')
    monkeypatch.setenv("GLOBEX_SECRET", "globex-secret")
    monkeypatch.setenv("FLOWPLANE_SYNC_WEBHOOK_SECRET_REF_GLOBEX", '{"env": "GLOBEX_SECRET"}')
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def requested() -> list[int]:
    rows = await SyncRun.select(SyncRun.organization).where(SyncRun.status == "requested")
    return [row["organization"] for row in rows]


@pytest.mark.parametrize("header", ["X-Flowplane-Signature", "X-Hub-Signature-256"])
async def test_signed_push_queues_one_sync_run(
    enabled: None, client: httpx.AsyncClient, factory: Factory, header: str
) -> None:
    org = await factory.org("acme")
    await factory.org("globex")
    headers = {header: sign(SECRET, BODY)}
    first = await client.post("/webhooks/sync/acme", content=BODY, headers=headers)
    again = await client.post("/webhooks/sync/acme", content=BODY, headers=headers)
    assert first.status_code == again.status_code == 202, first.text
    assert first.json()["syncRunId"] == again.json()["syncRunId"]  # one queued run at most
    assert await requested() == [org["id"]]


@pytest.mark.parametrize("signature", [None, "sha256=00", sign("wrong", BODY)])
async def test_unsigned_or_badly_signed_push_is_refused(
    enabled: None, client: httpx.AsyncClient, factory: Factory, signature: str | None
) -> None:
    await factory.org("acme")
    headers = {} if signature is None else {"X-Flowplane-Signature": signature}
    answer = await client.post("/webhooks/sync/acme", content=BODY, headers=headers)
    assert answer.status_code == 401
    assert "x-flowplane-signature" in answer.json()["error"]
    assert await requested() == []


async def test_one_organizations_secret_cannot_queue_anothers_sync(
    enabled: None, client: httpx.AsyncClient, factory: Factory
) -> None:
    await factory.org("acme")
    globex = await factory.org("globex")
    headers = {"X-Hub-Signature-256": sign("globex-secret", BODY)}
    refused = await client.post("/webhooks/sync/acme", content=BODY, headers=headers)
    accepted = await client.post("/webhooks/sync/globex", content=BODY, headers=headers)
    assert (refused.status_code, accepted.status_code) == (401, 202)
    assert await requested() == [globex["id"]]


async def test_a_redelivered_github_delivery_queues_nothing_again(
    enabled: None, client: httpx.AsyncClient, factory: Factory
) -> None:
    org = await factory.org("acme")
    headers = {"X-Hub-Signature-256": sign(SECRET, BODY), "X-GitHub-Delivery": "d-1"}
    first = await client.post("/webhooks/sync/acme", content=BODY, headers=headers)
    assert first.status_code == 202, first.text
    await SyncRun.update({SyncRun.status: "completed"}).where(SyncRun.organization == org["id"])
    again = await client.post("/webhooks/sync/acme", content=BODY, headers=headers)
    other = await client.post("/webhooks/sync/acme", content=BODY,
                              headers={**headers, "X-GitHub-Delivery": "d-2"})
    assert (again.status_code, again.json()) == (200, {"syncRunId": None, "duplicate": True})
    assert other.status_code == 202 and other.json()["syncRunId"] != first.json()["syncRunId"]
    assert await requested() == [org["id"]]  # d-2's run only


async def test_unknown_organization_is_not_found(
    enabled: None, client: httpx.AsyncClient, db: str
) -> None:
    answer = await client.post("/webhooks/sync/nobody", content=BODY,
                               headers={"X-Flowplane-Signature": sign(SECRET, BODY)})
    assert answer.status_code == 404 and "nobody" in answer.json()["error"]


async def test_sync_webhook_is_off_without_a_secret_reference(
    client: httpx.AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLOWPLANE_SYNC_WEBHOOK_SECRET_REF_ACME", raising=False)
    get_settings.cache_clear()
    await factory.org("acme")
    answer = await client.post("/webhooks/sync/acme", content=BODY,
                               headers={"X-Flowplane-Signature": sign(SECRET, BODY)})
    assert answer.status_code == 404 and "not enabled" in answer.json()["error"]
    assert "FLOWPLANE_SYNC_WEBHOOK_SECRET_REF_ACME" in answer.json()["error"]
    assert await requested() == []


async def test_unresolvable_secret_is_a_server_side_error(
    client: httpx.AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SYNC_WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("FLOWPLANE_SYNC_WEBHOOK_SECRET_REF_ACME", '{"env": "SYNC_WEBHOOK_SECRET"}')
    get_settings.cache_clear()
    try:
        await factory.org("acme")
        answer = await client.post("/webhooks/sync/acme", content=BODY)
        assert answer.status_code == 503 and "SYNC_WEBHOOK_SECRET" in answer.json()["error"]
    finally:
        get_settings.cache_clear()
