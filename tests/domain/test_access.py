"""The seed's access rules: owner, shared, public, admin, other member, other organization."""

from __future__ import annotations

import dataclasses

import pytest

from domain.access import Actor, actor_for, can_admin, can_read, can_write
from domain.rows import UserRow, WorkflowRow
from tests.factory import Factory

WORKFLOW = WorkflowRow.from_columns(dict.fromkeys(WorkflowRow.columns()) | {
    "id": 1, "organization": 10, "owner": 1, "is_public": False})
SHARED = {2}


def _actor(user_id: int, organization_id: int = 10, role: str = "member") -> Actor:
    return Actor(user_id, organization_id, "admin" if role == "admin" else "member")


@pytest.mark.parametrize(
    ("actor", "public", "read", "write", "admin"),
    [
        (_actor(1), False, True, True, True),  # owner
        (_actor(2), False, True, True, False),  # shared
        (_actor(3), True, True, False, False),  # other member, public workflow
        (_actor(3), False, False, False, False),  # other member, private workflow
        (_actor(4, role="admin"), False, True, True, True),  # organization admin
        (_actor(1, organization_id=11), True, False, False, False),  # other organization
        (_actor(5, organization_id=11, role="admin"), True, False, False, False),
    ],
    ids=["owner", "shared", "public", "other-member", "org-admin", "other-org", "other-admin"],
)
def test_access_matrix(actor: Actor, public: bool, read: bool, write: bool, admin: bool) -> None:
    workflow = dataclasses.replace(WORKFLOW, is_public=public)
    assert can_read(actor, workflow, SHARED) is read
    assert can_write(actor, workflow, SHARED) is write
    assert can_admin(actor, workflow, SHARED) is admin


async def test_actor_for_requires_membership_and_carries_the_role(factory: Factory) -> None:
    org, other = await factory.org(), await factory.org()
    admin = UserRow.from_columns(await factory.user(org=org, role="admin"))
    member = UserRow.from_columns(await factory.user(org=org))
    assert await actor_for(admin, org["id"]) == Actor(admin.id, org["id"], "admin")
    assert await actor_for(member, org["id"]) == Actor(member.id, org["id"], "member")
    assert await actor_for(member, other["id"]) is None
