"""Who may do what to a workflow (the seed's rules), for every entry point.

The owner has full access; users in `sharedWith` read and write; a public workflow is readable
by every member of its organization; organization admins (and the sync principal, an admin)
may do everything. Deleting, sharing and making public are for the owner or an admin. A
workflow of another organization is never accessible.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from domain.organizations import membership_role
from domain.rows import UserRow, WorkflowRow

Role = Literal["admin", "member"]


@dataclass(frozen=True)
class Actor:
    user_id: int
    organization_id: int
    role: Role
    is_service: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


async def actor_for(user: UserRow, organization_id: int) -> Actor | None:
    """The actor for a user in an organization, or None if not a member."""
    role = await membership_role(organization_id, user.id)
    if role not in ("admin", "member"):
        return None
    return Actor(
        user_id=user.id,
        organization_id=organization_id,
        role="admin" if role == "admin" else "member",
        is_service=user.is_service,
    )


def _same_org(actor: Actor, workflow: WorkflowRow) -> bool:
    return workflow.organization == actor.organization_id


def can_admin(actor: Actor, workflow: WorkflowRow, shared_user_ids: Collection[int]) -> bool:
    """Delete, share, unshare, make public: the owner or an organization admin."""
    return _same_org(actor, workflow) and (
        actor.is_admin or workflow.owner == actor.user_id
    )


def can_write(actor: Actor, workflow: WorkflowRow, shared_user_ids: Collection[int]) -> bool:
    """Edit, archive, run: the owner, an admin, or a user it is shared with."""
    return can_admin(actor, workflow, shared_user_ids) or (
        _same_org(actor, workflow) and actor.user_id in shared_user_ids
    )


def can_read(actor: Actor, workflow: WorkflowRow, shared_user_ids: Collection[int]) -> bool:
    """Everything a writer may see, plus public workflows for every member."""
    return can_write(actor, workflow, shared_user_ids) or (
        _same_org(actor, workflow) and workflow.is_public
    )
