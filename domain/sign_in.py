"""One-time sign-in codes: how `flowplane dev` (and `flowplane user sign-in-link`) hands the
console a session without anyone pasting a token.

A code is 256 random bits, shown once inside a link and stored only as its sha256. It is good
for a few minutes (PostgreSQL's clock decides) and for one redemption: the redeeming UPDATE
marks it used in the same statement that checks it, so two concurrent redemptions cannot both
win. Redeeming issues an ordinary API token, scoped to the code's organization and short-lived,
through the public GraphQL API (`redeemSignInCode`); the console then holds that token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from db.engine import engine
from domain._sql import fetch, fetch_one
from domain.errors import DomainError
from domain.organizations import membership_role, organization_by_slug
from domain.rows import OrganizationRow, UserRow
from domain.tokens import IssuedToken, hash_token, issue_token, user_by_handle

CODE_PREFIX = "fpsi_"
CODE_MINUTES = 10
# The console's route that redeems a code; the code travels in the fragment, which browsers
# never send to a server (no access log, no Referer) and the console removes at once.
SIGN_IN_PATH = "/sign-in#code="


class InvalidSignInCode(DomainError):
    """Unknown, expired or already used: deliberately one message for all three."""

    def __init__(self) -> None:
        super().__init__(
            "this sign-in code is unknown, expired or already used: "
            "ask for a new link (flowplane user sign-in-link)"
        )


@dataclass(frozen=True)
class SignIn:
    token: IssuedToken
    expires_at: datetime
    user: UserRow
    organization: OrganizationRow


async def issue_sign_in_code(
    user_id: int, organization_id: int, minutes: int = CODE_MINUTES
) -> str:
    """A new one-time code for the user in the organization; the clear text is returned here
    and never again. Codes that expired a day ago are swept on the way."""
    code = CODE_PREFIX + secrets.token_urlsafe(32)
    await fetch("DELETE FROM sign_in_code WHERE expires_at < now() - interval '1 day'")
    await fetch(
        'INSERT INTO sign_in_code ("user", organization, code_hash, expires_at)'
        " VALUES ($1, $2, $3, now() + make_interval(mins => $4))",
        user_id, organization_id, hash_token(code), minutes,
    )
    return code


async def sign_in_link(
    public_url: str, handle: str, org_slug: str, minutes: int = CODE_MINUTES
) -> str:
    """A console link that signs `handle` in to `org_slug` once (DomainError when the user is
    not a member of that organization)."""
    organization = await organization_by_slug(org_slug)
    user = await user_by_handle(handle)
    if user is None or user.is_service or await membership_role(
        organization.id, user.id
    ) is None:
        raise DomainError(f"user {handle!r} is not a member of {org_slug!r}")
    code = await issue_sign_in_code(user.id, organization.id, minutes)
    return public_url.rstrip("/") + SIGN_IN_PATH + code


async def redeem_sign_in_code(code: str, session_hours: float) -> SignIn:
    """Use the code up and issue an API token valid for `session_hours`; InvalidSignInCode
    when it is unknown, expired, used, or its user has left the organization meanwhile."""
    async with engine().transaction():  # the code is used up only if the token is issued
        signed_in = await _claim_and_issue(hash_token(code.strip()), session_hours)
    return signed_in


async def _claim_and_issue(code_hash: str, session_hours: float) -> SignIn:
    claimed = await fetch_one(
        'UPDATE sign_in_code c SET used_at = now() WHERE c.code_hash = $1'
        " AND c.used_at IS NULL AND c.expires_at > now() AND EXISTS ("
        '  SELECT 1 FROM membership m WHERE m.organization = c.organization'
        '  AND m."user" = c."user")'
        ' RETURNING c."user" AS user_id, c.organization AS organization_id',
        code_hash,
    )
    if claimed is None:
        raise InvalidSignInCode()
    record = await fetch_one("SELECT * FROM app_user WHERE id = $1", claimed["user_id"])
    organization_record = await fetch_one(
        "SELECT * FROM organization WHERE id = $1", claimed["organization_id"]
    )
    # the code cascades with both
    assert record is not None and organization_record is not None
    user, organization = UserRow.from_record(record), OrganizationRow.from_record(
        organization_record)
    expires_at = datetime.now(UTC) + timedelta(hours=session_hours)
    token = await issue_token(user.id, organization.id, "console sign-in", expires_at)
    return SignIn(token=token, expires_at=expires_at, user=user, organization=organization)
