"""The seed's `sharedWith` set: share, unshare, list. Owner or organization admin only;
sharing only with members of the same organization; sharing twice keeps one entry."""

from __future__ import annotations

from typing import Any

from db.engine import engine
from db.tables import AppUser
from domain import _workflow_store as store
from domain._sql import fetch
from domain._workflow_rules import administrable, check_shareable
from domain.access import Actor
from domain.access_changes import announce_workflow_access_changed
from domain.rows import WorkflowRow


async def share_workflow(actor: Actor, workflow_id: int, user_id: int) -> WorkflowRow:
    """Add a member of the organization to the workflow's sharedWith set; returns the row."""
    async with engine().transaction():
        row = await administrable(actor, workflow_id, "share")
        await check_shareable(actor.organization_id, [user_id], field="userId")
        await store.add_shares(workflow_id, [user_id])
        shared = sorted(await store.shared_ids(workflow_id))
        await store.announce(workflow_id, {"sharedWith": shared})
    return row


async def unshare_workflow(actor: Actor, workflow_id: int, user_id: int) -> WorkflowRow:
    """Remove a user from the sharedWith set (a no-op when they are not in it)."""
    async with engine().transaction():
        row = await administrable(actor, workflow_id, "unshare")
        await fetch(
            'DELETE FROM workflow_share WHERE workflow = $1 AND "user" = $2', workflow_id, user_id
        )
        shared = sorted(await store.shared_ids(workflow_id))
        await store.announce(workflow_id, {"sharedWith": shared})
        await announce_workflow_access_changed(workflow_id)
    return row


async def shared_users(actor: Actor, workflow_id: int) -> list[dict[str, Any]]:
    """The users a readable workflow is shared with (the seed's getSharedUsers)."""
    _, shared = await store.readable(actor, workflow_id)
    if not shared:
        return []
    rows: list[dict[str, Any]] = await AppUser.select().where(
        AppUser.id.is_in(sorted(shared))
    ).order_by(AppUser.id)
    return rows
