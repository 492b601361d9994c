"""Who is calling: `Authorization: Bearer <token>` names the user, `X-Organization-ID` (id or
slug) the organization, of which the user must be a member. A token scoped to an organization
is good for that organization only (and selects it when the header is absent).

The same check serves both doors: HTTP headers, and the `connection_init` payload of a
websocket (see `graphql_api.live`). A refusal says which part is wrong: the credentials
(HTTP 401, websocket close 4101) or the organization (HTTP 403, close 4104)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from domain.access import Actor, actor_for
from domain.organizations import organization_by_ref
from domain.rows import OrganizationRow, UserRow
from domain.tokens import authenticate


@dataclass(frozen=True)
class Principal:
    actor: Actor
    user: UserRow
    organization: OrganizationRow
    token_id: int
    expires_at: datetime | None
    # The token is good for `organization` only (else for every organization of the user).
    scoped: bool = False


Refusal = Literal["credentials", "invalid_token", "organization"]


class Unauthenticated(Exception):
    """Missing or malformed credentials, a token that is not valid, or an organization the
    credentials do not open; the message says which and how to fix it."""

    def __init__(self, message: str, reason: Refusal) -> None:
        super().__init__(message)
        self.reason = reason


def _bearer(headers: Mapping[str, str]) -> str:
    value = headers.get("authorization", "")
    if not value:
        raise Unauthenticated("missing credentials: send 'Authorization: Bearer <token>'",
                              "credentials")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'", "credentials")
    return token.strip()


async def principal_from_headers(headers: Mapping[str, str]) -> Principal:
    """The caller, or Unauthenticated with a message that says what is wrong."""
    credential = await authenticate(_bearer(headers))
    if credential is None:
        raise Unauthenticated("the token is not valid: unknown, expired or revoked",
                              "invalid_token")
    token_org = credential.organization_id
    ref = headers.get("x-organization-id", "").strip()
    if not ref and token_org is None:
        raise Unauthenticated("missing organization: send 'X-Organization-ID: <id or slug>'",
                              "organization")
    organization = await organization_by_ref(ref or str(token_org))
    unknown = Unauthenticated(
        f"organization {ref!r} does not exist or you are not a member of it", "organization"
    )
    if organization is None:
        raise unknown
    if token_org is not None and organization.id != token_org:
        raise Unauthenticated("this token is scoped to another organization", "organization")
    actor = await actor_for(credential.user, organization.id)
    if actor is None:
        raise unknown
    return Principal(actor=actor, user=credential.user, organization=organization,
                     token_id=credential.token_id, expires_at=credential.expires_at,
                     scoped=token_org is not None)
