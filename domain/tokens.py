"""API tokens: issued once, stored as a sha256 hash, with expiry and revocation. Revoking
announces it (see `domain.access_changes`), so open websockets on the token close at once."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from db.engine import engine
from db.tables import ApiToken
from domain._sql import fetch, fetch_one
from domain.access_changes import announce_token_revoked
from domain.pages import Order, Page, Window, keyset
from domain.rows import ApiTokenRow, UserRow

TOKEN_PREFIX = "fp_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    id: int
    prefix: str


async def issue_token(
    user_id: int,
    organization_id: int | None,
    name: str = "",
    expires_at: datetime | None = None,
) -> IssuedToken:
    """Create a token for a user; the clear text is returned here and never again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user=user_id,
        organization=organization_id,
        name=name,
        token_hash=hash_token(token),
        prefix=token[:10],
        expires_at=expires_at,
    )
    await row.save()
    return IssuedToken(token=token, id=row.id, prefix=row.prefix)


@dataclass(frozen=True)
class Credential:
    """What a valid token says: whose it is, where it may be used, until when."""

    user: UserRow
    organization_id: int | None  # the organization it is scoped to, None for any of the user's
    token_id: int
    expires_at: datetime | None


async def authenticate(token: str) -> Credential | None:
    """The credential a token carries, or None if it is not valid now."""
    rows = await ApiToken.select(
        ApiToken.id, ApiToken.organization, ApiToken.expires_at, ApiToken.revoked_at,
        *ApiToken.user.all_columns(),
    ).where(ApiToken.token_hash == hash_token(token))
    if not rows:
        return None
    row = rows[0]
    now = datetime.now(UTC)
    if row["revoked_at"] is not None or (
        row["expires_at"] is not None and row["expires_at"] <= now
    ):
        return None
    await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    user = UserRow.from_columns({key.removeprefix("user."): value for key, value in row.items()
                                 if key.startswith("user.")})
    return Credential(user=user, organization_id=row["organization"], token_id=int(row["id"]),
                      expires_at=row["expires_at"])


async def token_status(token_id: int) -> Literal["valid", "revoked", "expired", "unknown"]:
    """Whether a token is still good, for connections opened with it."""
    row = await ApiToken.select(ApiToken.expires_at, ApiToken.revoked_at).where(
        ApiToken.id == token_id
    ).first()
    if row is None:
        return "unknown"
    if row["revoked_at"] is not None:
        return "revoked"
    if row["expires_at"] is not None and row["expires_at"] <= datetime.now(UTC):
        return "expired"
    return "valid"


async def revoke_token(token_id: int, user_id: int) -> bool:
    """Revoke one of the user's tokens; False when the user has no such active token."""
    now = datetime.now(UTC)
    async with engine().transaction():
        updated = await ApiToken.update({ApiToken.revoked_at: now}).where(
            (ApiToken.id == token_id) & (ApiToken.user == user_id)
            & ApiToken.revoked_at.is_null()
        ).returning(ApiToken.id)
        if updated:
            await announce_token_revoked(token_id)
    return bool(updated)


async def user_by_handle(handle: str) -> UserRow | None:
    row = await fetch_one("SELECT * FROM app_user WHERE handle = $1", handle)
    return None if row is None else UserRow.from_record(row)


# Reads for the API: a user's tokens (never the token itself: only its hash is stored).
_TOKENS = (
    "SELECT t.id, t.organization, t.name, t.prefix, t.created_at, t.expires_at, t.revoked_at,"
    ' t.last_used_at FROM api_token t WHERE t."user" = $1'
)
BY_ID = Order(("t.id",))


async def api_tokens_of(user_id: int, window: Window) -> Page[ApiTokenRow]:
    args: list[Any] = [user_id]
    conditions, ordering = keyset(BY_ID, window, args)
    rows = await fetch(_TOKENS + conditions + ordering, *args)
    return Page.of([ApiTokenRow.from_record(row) for row in rows], window)


async def count_api_tokens(user_id: int) -> int:
    row = await fetch_one('SELECT count(*) AS n FROM api_token WHERE "user" = $1', user_id)
    return 0 if row is None else int(row["n"])


async def api_tokens_by_ids(user_id: int, ids: list[int]) -> dict[int, ApiTokenRow]:
    rows = await fetch(_TOKENS + " AND t.id = ANY($2::int[])", user_id, ids)
    return {int(row["id"]): ApiTokenRow.from_record(row) for row in rows}
