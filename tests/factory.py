"""Builds rows for tests: organizations, users, memberships, tokens and workflows."""

from __future__ import annotations

import hashlib
import itertools
import secrets
from typing import Any

from db.tables import ApiToken, AppUser, Membership, Organization, Workflow

_counter = itertools.count(1)


class Factory:
    async def org(self, slug: str | None = None, **fields: Any) -> dict[str, Any]:
        slug = slug or f"org{next(_counter)}"
        row = Organization(slug=slug, name=fields.pop("name", slug.title()), **fields)
        await row.save()
        return row.to_dict()

    async def user(
        self, handle: str | None = None, org: dict[str, Any] | None = None, role: str = "member"
    ) -> dict[str, Any]:
        handle = handle or f"user{next(_counter)}"
        row = AppUser(handle=handle, display_name=handle.title(), email=f"{handle}@example.com")
        await row.save()
        if org is not None:
            await Membership(organization=org["id"], user=row.id, role=role).save()
        return row.to_dict()

    async def token(self, user: dict[str, Any], org: dict[str, Any] | None = None) -> str:
        token = "fp_" + secrets.token_urlsafe(32)
        await ApiToken(
            user=user["id"],
            organization=None if org is None else org["id"],
            name="test",
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            prefix=token[:10],
        ).save()
        return token

    async def workflow(
        self, org: dict[str, Any], owner: dict[str, Any], name: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        defaults: dict[str, Any] = {
            "nodes": [{"id": "start", "type": "transform", "params": {"value": "hello"}}],
            "connections": [],
            "settings": {"maxAttempts": 3},
            "trigger": {"type": "manual"},
        }
        defaults.update(fields)
        row = Workflow(
            organization=org["id"],
            owner=owner["id"],
            name=name or f"wf-{next(_counter)}",
            **defaults,
        )
        await row.save()
        return row.to_dict()
