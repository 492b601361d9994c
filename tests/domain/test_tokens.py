"""API tokens: only the hash is stored; expired and revoked tokens do not authenticate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.tables import ApiToken
from domain.tokens import authenticate, hash_token, issue_token, revoke_token
from tests.factory import Factory


async def test_issued_token_authenticates_its_user_and_is_stored_hashed(factory: Factory) -> None:
    org = await factory.org()
    alice = await factory.user("alice", org)
    issued = await issue_token(alice["id"], org["id"], "laptop")
    found = await authenticate(issued.token)
    assert found is not None
    assert (found.user.handle, found.organization_id) == ("alice", org["id"])
    assert (found.token_id, found.expires_at) == (issued.id, None)
    stored = await ApiToken.select(ApiToken.token_hash).first()
    assert stored == {"token_hash": hash_token(issued.token)}
    assert issued.token not in str(await ApiToken.select())


async def test_unknown_expired_and_revoked_tokens_do_not_authenticate(factory: Factory) -> None:
    org = await factory.org()
    alice = await factory.user("alice", org)
    expired = await issue_token(alice["id"], None, expires_at=datetime.now(UTC) - timedelta(1))
    revoked = await issue_token(alice["id"], None)
    assert await revoke_token(revoked.id, alice["id"])
    assert await authenticate("fp_unknown") is None
    assert await authenticate(expired.token) is None
    assert await authenticate(revoked.token) is None


async def test_a_user_cannot_revoke_someone_elses_token(factory: Factory) -> None:
    org = await factory.org()
    alice, bob = await factory.user("alice", org), await factory.user("bob", org)
    issued = await issue_token(alice["id"], None)
    assert not await revoke_token(issued.id, bob["id"])
    assert await authenticate(issued.token) is not None
