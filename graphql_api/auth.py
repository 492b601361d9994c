"""Who is calling: `Authorization: Bearer <token>` names the user, `X-Organization-ID` (id or
slug) the organization, of which the user must be a member. A token scoped to an organization
is good for that organization only (and selects it when the header is absent)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.access import Actor, actor_for
from domain.organizations import organization_by_ref
from domain.tokens import authenticate


@dataclass(frozen=True)
class Principal:
    actor: Actor
    user: dict[str, Any]  # Any: app_user column values
    organization: dict[str, Any]  # Any: organization column values


class Unauthenticated(Exception):
    """Missing or bad credentials; the message says which and how to fix it."""


def _bearer(headers: Mapping[str, str]) -> str:
    value = headers.get("authorization", "")
    if not value:
        raise Unauthenticated("missing credentials: send 'Authorization: Bearer <token>'")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    return token.strip()


async def principal_from_headers(headers: Mapping[str, str]) -> Principal:
    """The caller, or Unauthenticated with a message that says what is wrong."""
    found = await authenticate(_bearer(headers))
    if found is None:
        raise Unauthenticated("the token is not valid: unknown, expired or revoked")
    user, token_org = found
    ref = headers.get("x-organization-id", "").strip()
    if not ref and token_org is None:
        raise Unauthenticated("missing organization: send 'X-Organization-ID: <id or slug>'")
    organization = await organization_by_ref(ref or str(token_org))
    unknown = f"organization {ref!r} does not exist or you are not a member of it"
    if organization is None:
        raise Unauthenticated(unknown)
    if token_org is not None and organization["id"] != token_org:
        raise Unauthenticated("this token is scoped to another organization")
    actor = await actor_for(user, int(organization["id"]))
    if actor is None:
        raise Unauthenticated(unknown)
    return Principal(actor=actor, user=user, organization=organization)
