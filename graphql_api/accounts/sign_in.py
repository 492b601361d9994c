"""`redeemSignInCode`: the one operation a caller without credentials may run (besides
introspection). It turns a one-time code from a sign-in link into an API token, so the console
signs in through the public API like any other client (see domain.sign_in)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from domain.settings import get_settings
from domain.sign_in import InvalidSignInCode, redeem_sign_in_code
from graphql_api.types.errors import Error, ErrorCode
from graphql_api.types.user import Organization, User

# Mutations a caller without credentials may run (graphql_api.public_operations).
PUBLIC_MUTATIONS = frozenset({"redeemSignInCode"})


@strawberry.type
class SignInCodeRedeemed:
    token: str = strawberry.field(
        description="An API token scoped to `organization`, valid until `expiresAt`: send it "
        "as `Authorization: Bearer <token>`. Shown now and never again."
    )
    expires_at: datetime
    user: User
    organization: Organization


@strawberry.type
class SignInCodeInvalid(Error):
    """The code is unknown, expired or used already (one message for all three)."""

    CODE = ErrorCode.INVALID_INPUT


RedeemSignInCodeResult = Annotated[
    SignInCodeRedeemed | SignInCodeInvalid, strawberry.union("RedeemSignInCodeResult")
]


async def _redeem_sign_in_code(code: str) -> RedeemSignInCodeResult:
    try:
        signed_in = await redeem_sign_in_code(code, get_settings().console_session_hours)
    except InvalidSignInCode as exc:
        return SignInCodeInvalid(message=str(exc))
    return SignInCodeRedeemed(
        token=signed_in.token.token, expires_at=signed_in.expires_at,
        user=User.from_row(signed_in.user),
        organization=Organization.from_row(signed_in.organization),
    )


@strawberry.type
class SignInMutations:
    redeem_sign_in_code = strawberry.mutation(
        resolver=_redeem_sign_in_code,
        description="Exchange a one-time sign-in code (the link `flowplane dev` or "
        "`flowplane user sign-in-link` prints) for an API token. Needs no credentials; a code "
        "works once, within minutes of being issued.",
    )
