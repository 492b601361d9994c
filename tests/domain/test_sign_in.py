"""One-time sign-in codes: stored hashed, short-lived, redeemed once (also under concurrency)
for a working, expiring API token of the code's organization."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from domain._sql import fetch
from domain.errors import DomainError
from domain.sign_in import (
    CODE_PREFIX,
    SIGN_IN_PATH,
    InvalidSignInCode,
    issue_sign_in_code,
    redeem_sign_in_code,
    sign_in_link,
)
from domain.tokens import authenticate, hash_token
from tests.factory import Factory


async def test_a_code_is_stored_only_as_its_hash(factory: Factory) -> None:
    org = await factory.org("acme")
    alice = await factory.user("alice", org)
    code = await issue_sign_in_code(alice["id"], org["id"])
    assert code.startswith(CODE_PREFIX) and len(code) > 40
    rows = await fetch("SELECT * FROM sign_in_code")
    assert [row["code_hash"] for row in rows] == [hash_token(code)]
    assert code not in repr(rows)


async def test_redeeming_gives_an_expiring_token_of_the_codes_organization(
    factory: Factory,
) -> None:
    org = await factory.org("acme")
    alice = await factory.user("alice", org)
    code = await issue_sign_in_code(alice["id"], org["id"])
    signed_in = await redeem_sign_in_code(code, session_hours=2)
    assert signed_in.user.handle == "alice" and signed_in.organization.slug == "acme"
    found = await authenticate(signed_in.token.token)
    assert found is not None and found.user.id == alice["id"]
    assert found.organization_id == org["id"]
    lifetime = signed_in.expires_at - datetime.now(UTC)
    assert timedelta(hours=1, minutes=59) < lifetime <= timedelta(hours=2)


async def test_a_code_works_once(factory: Factory) -> None:
    org = await factory.org("acme")
    alice = await factory.user("alice", org)
    code = await issue_sign_in_code(alice["id"], org["id"])
    await redeem_sign_in_code(code, session_hours=1)
    with pytest.raises(InvalidSignInCode, match="unknown, expired or already used"):
        await redeem_sign_in_code(code, session_hours=1)


async def test_concurrent_redemptions_of_one_code_issue_one_token(factory: Factory) -> None:
    org = await factory.org("acme")
    alice = await factory.user("alice", org)
    code = await issue_sign_in_code(alice["id"], org["id"])
    outcomes = await asyncio.gather(
        *(redeem_sign_in_code(code, session_hours=1) for _ in range(8)), return_exceptions=True
    )
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(o, InvalidSignInCode) for o in outcomes if o not in winners)
    tokens = await fetch("SELECT count(*) AS n FROM api_token WHERE name = 'console sign-in'")
    assert tokens[0]["n"] == 1


async def test_an_expired_or_unknown_code_is_refused(factory: Factory) -> None:
    org = await factory.org("acme")
    alice = await factory.user("alice", org)
    code = await issue_sign_in_code(alice["id"], org["id"], minutes=1)
    await fetch("UPDATE sign_in_code SET expires_at = now() - interval '1 second'")
    for attempt in (code, "fpsi_unknown", ""):
        with pytest.raises(InvalidSignInCode):
            await redeem_sign_in_code(attempt, session_hours=1)


async def test_a_code_of_someone_who_left_the_organization_is_refused(
    factory: Factory,
) -> None:
    org = await factory.org("acme")
    alice = await factory.user("alice", org)
    code = await issue_sign_in_code(alice["id"], org["id"])
    await fetch("DELETE FROM membership WHERE \"user\" = $1", alice["id"])
    with pytest.raises(InvalidSignInCode):
        await redeem_sign_in_code(code, session_hours=1)


async def test_a_link_is_only_made_for_a_member(factory: Factory) -> None:
    acme, globex = await factory.org("acme"), await factory.org("globex")
    await factory.user("alice", acme)
    link = await sign_in_link("http://127.0.0.1:8000/", "alice", "acme")
    assert link.startswith("http://127.0.0.1:8000" + SIGN_IN_PATH + CODE_PREFIX)
    for handle, org in (("alice", "globex"), ("nobody", "acme")):
        with pytest.raises(DomainError, match="is not a member"):
            await sign_in_link("http://x", handle, org)
    assert globex["slug"] == "globex"
