"""Workflow webhooks replayed as an attacker would: stale, future and replayed signatures, an
Idempotency-Key reused with another body, and bodies PostgreSQL cannot store, all against the
real Starlette app on a local port, several at once. Nothing may start a run or answer 500."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from domain import _envelope
from domain._sql import fetch
from domain.executions import load_execution
from domain.secret_store import set_secret
from domain.settings import get_settings
from domain.webhooks import ensure_webhook_token, sign
from graphql_api.app import create_app
from tests.engine.servers import serve
from tests.factory import Factory

SECRET = "wh-s3cret"
HEADER = "X-Flowplane-Signature"
# Bodies that are not storable JSON, each with what the 400 must say.
HOSTILE: list[tuple[str, bytes, str]] = [
    ("malformed", b'{"a": ', "is not JSON"),
    ("NaN", b'{"a": NaN}', "NaN"),
    ("Infinity", b'{"a": Infinity}', "Infinity"),
    ("-Infinity", b'{"a": [-Infinity]}', "-Infinity"),
    ("NUL in a value", b'{"a": "x\\u0000y"}', "\\u0000"),
    ("NUL in a key", b'{"a\\u0000": 1}', "\\u0000"),
    ("lone surrogate", b'{"a": "\\ud800"}', "lone UTF-16 surrogate"),
    ("deep nesting", b"[" * 100_000 + b"]" * 100_000, "deeper than"),
    ("not UTF-8", b'{"a": "\xff"}', "not UTF-8"),
    ("huge number", b'{"a": 1e999}', "too large"),
]


@pytest.fixture
async def api(db: str, redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    get_settings.cache_clear()
    async with serve(create_app()) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        yield client
    get_settings.cache_clear()


async def _hook(factory: Factory, monkeypatch: pytest.MonkeyPatch | None = None,
                ) -> tuple[int, str]:
    org = await factory.org()
    user = await factory.user(org=org)
    trigger: dict[str, Any] = {"type": "webhook"}
    if monkeypatch is not None:  # signed: the signing secret lives in the org's store
        if "FLOWPLANE_SECRET_KEY" not in os.environ:
            monkeypatch.setenv("FLOWPLANE_SECRET_KEY", _envelope.encode_key(_envelope.new_key()))
            get_settings.cache_clear()
        await set_secret(int(org["id"]), "hook-signing", SECRET, actor=None)
        trigger["secretRef"] = {"secret": "hook-signing"}
    wf = await factory.workflow(org, user, status="active", trigger=trigger)
    return int(wf["id"]), await ensure_webhook_token(wf["id"])


async def _executions(workflow_id: int) -> list[dict[str, Any]]:
    return await fetch("SELECT id, input FROM execution WHERE workflow = $1", workflow_id)


@pytest.mark.parametrize(("kind", "body", "says"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_strict_parser_names_what_is_wrong(kind: str, body: bytes, says: str) -> None:
    from domain.json_body import InvalidJsonBody, parse_json_body

    with pytest.raises(InvalidJsonBody) as caught:
        parse_json_body(body)
    assert says in str(caught.value), kind


async def test_hostile_bodies_sent_at_once_answer_400_and_start_nothing(
    factory: Factory, api: httpx.AsyncClient
) -> None:
    workflow_id, token = await _hook(factory)
    answers = await asyncio.gather(*[
        api.post(f"/webhooks/{token}", content=body,
                 headers={"Content-Type": "application/json"})
        for _, body, _ in HOSTILE for _ in range(3)])
    for (kind, _, says), answer in zip([h for h in HOSTILE for _ in range(3)], answers,
                                       strict=True):
        assert answer.status_code == 400, (kind, answer.status_code, answer.text)
        assert says in answer.json()["error"], (kind, answer.json())
    assert await _executions(workflow_id) == []
    fine = await api.post(f"/webhooks/{token}", json={"ok": True})
    assert fine.status_code == 202


async def test_timestamped_signature_is_accepted_once(
    factory: Factory, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    workflow_id, token = await _hook(factory, monkeypatch)
    body = json.dumps({"order": 1}).encode()
    signed = {HEADER: sign(SECRET, body, int(time.time()))}
    first = await api.post(f"/webhooks/{token}", content=body, headers=signed)
    replays = await asyncio.gather(*[api.post(f"/webhooks/{token}", content=body,
                                              headers=signed) for _ in range(5)])
    assert first.status_code == 202, first.text
    assert [r.status_code for r in replays] == [409] * 5
    assert "replay" in replays[0].json()["error"]
    assert len(await _executions(workflow_id)) == 1


@pytest.mark.parametrize("offset", [-301, 301, -86400])
async def test_signature_outside_the_tolerance_window_is_refused(
    factory: Factory, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, offset: int
) -> None:
    workflow_id, token = await _hook(factory, monkeypatch)
    body = b'{"order": 2}'
    stale = await api.post(f"/webhooks/{token}", content=body,
                           headers={HEADER: sign(SECRET, body, int(time.time()) + offset)})
    assert stale.status_code == 401
    assert "within 300 s (FLOWPLANE_WEBHOOK_TOLERANCE_SECONDS)" in stale.json()["error"]
    assert await _executions(workflow_id) == []


async def test_the_window_follows_the_database_clock_not_the_servers(
    factory: Factory, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API process's own clock is an hour fast; the verdict does not move with it."""
    _, token = await _hook(factory, monkeypatch)
    body = b'{"order": 3}'
    real = time.time
    header = {HEADER: sign(SECRET, body, int(real()))}
    monkeypatch.setattr(time, "time", lambda: real() + 3600)
    answer = await api.post(f"/webhooks/{token}", content=body, headers=header)
    monkeypatch.setattr(time, "time", real)
    assert answer.status_code == 202, answer.text


@pytest.mark.parametrize("header", [
    "sha256=abc", "t=1,v1=", "v1=00", "t=notanumber,v1=00", "t=1700000000"])
async def test_malformed_or_old_style_signatures_are_refused_with_the_format(
    factory: Factory, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, header: str
) -> None:
    _, token = await _hook(factory, monkeypatch)
    answer = await api.post(f"/webhooks/{token}", content=b"{}", headers={HEADER: header})
    assert answer.status_code == 401
    assert "t=<unix seconds>,v1=" in answer.json()["error"] or "no v1 matches" in (
        answer.json()["error"])


async def test_a_replay_under_a_new_idempotency_key_starts_nothing(
    factory: Factory, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key is not signed: an attacker can change it, and must gain nothing by that. The
    sender's own retry with the same key gets the first execution back."""
    workflow_id, token = await _hook(factory, monkeypatch)
    body = b'{"order": 4}'
    signed = {HEADER: sign(SECRET, body, int(time.time())), "Idempotency-Key": "k-1"}
    first = await api.post(f"/webhooks/{token}", content=body, headers=signed)
    retry = await api.post(f"/webhooks/{token}", content=body, headers=signed)
    forged = await api.post(f"/webhooks/{token}", content=body,
                            headers={**signed, "Idempotency-Key": "k-2"})
    assert first.status_code == retry.status_code == 202
    assert retry.json() == {"executionId": first.json()["executionId"], "duplicate": True}
    assert forged.status_code == 409
    assert len(await _executions(workflow_id)) == 1


async def test_an_idempotency_key_reused_with_another_body_is_422(
    factory: Factory, api: httpx.AsyncClient
) -> None:
    workflow_id, token = await _hook(factory)
    bodies = [{"amount": n} for n in range(10)]
    answers = await asyncio.gather(*[
        api.post(f"/webhooks/{token}", json=b, headers={"Idempotency-Key": "pay-1"})
        for b in bodies])
    codes = sorted(a.status_code for a in answers)
    assert codes == [202] + [422] * 9, [a.text for a in answers]
    assert "different body" in next(a for a in answers if a.status_code == 422).json()["error"]
    (execution,) = await _executions(workflow_id)
    winner = next(a for a in answers if a.status_code == 202).json()
    stored = (await load_execution(winner["executionId"])).input
    assert stored == json.loads(execution["input"]) and stored in bodies
    same = await api.post(f"/webhooks/{token}", json=stored,
                          headers={"Idempotency-Key": "pay-1"})
    assert same.status_code == 202 and same.json()["duplicate"] is True
