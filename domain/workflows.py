"""Workflow lifecycle services: the one door both the API and the git sync go through
(archiving and deleting, which undeploy first, are in `domain.workflow_removal`).

Every save of the definition whose content hash changed bumps `version` by one and keeps a
`workflow_revision`; every status change writes `workflow_status_history` and a `workflow`
event in the same transaction. Git-managed workflows refuse edits unless the caller passes the
git `source` (the sync), is a service principal, or the organization allows git overrides.
Rows returned are typed `WorkflowRow`s (domain.rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from db.engine import engine
from domain import _workflow_store as store
from domain._workflow_rules import (
    check_name,
    check_owner,
    check_references,
    check_shareable,
    invalid,
    writable,
)
from domain._workflow_store import GitSource, stored_definition
from domain.access import Actor, can_admin, can_write
from domain.access_changes import announce_workflow_access_changed
from domain.errors import Conflict, Forbidden
from domain.rows import WorkflowRow
from domain.spec.definition import WorkflowDefinition
from domain.workflow_copies import clone_workflow, create_template, create_workflow_from_template
from domain.workflow_sharing import share_workflow, shared_users, unshare_workflow

__all__ = [
    "STATUSES",
    "GitSource",
    "VersionConflict",
    "check_writable",
    "clone_workflow",
    "create_template",
    "create_workflow",
    "create_workflow_from_template",
    "get_workflow",
    "set_workflow_status",
    "share_workflow",
    "shared_users",
    "stored_definition",
    "unshare_workflow",
    "update_workflow",
]

STATUSES = ("draft", "active", "paused", "archived")


class VersionConflict(Conflict):
    """A save based on a version that is no longer the current one."""

    def __init__(self, workflow_id: int, expected: int, current: int) -> None:
        super().__init__(
            f"workflow {workflow_id} is at version {current}, not {expected}: "
            "reload it and apply the change again"
        )
        self.expected = expected
        self.current = current


def _source_columns(source: GitSource | None, definition: WorkflowDefinition) -> dict[str, Any]:
    if source is None:
        return {"content_hash": definition.content_hash()}
    return {
        "managed_by": "git",
        "source_path": source.path,
        "source_commit": source.commit,
        "content_hash": source.content_hash,
    }


async def create_workflow(
    actor: Actor,
    name: str,
    definition: WorkflowDefinition,
    *,
    is_public: bool = False,
    shared_with: Sequence[int] = (),
    source: GitSource | None = None,
    owner_id: int | None = None,
) -> WorkflowRow:
    """A new draft workflow at version 1 owned by the actor (or by `owner_id`, a member of the
    organization, when an admin or the sync creates it for someone)."""
    check_name(name)
    await check_references(actor.organization_id, definition.to_json())
    async with engine().transaction():
        await check_shareable(actor.organization_id, shared_with)
        owner = actor.user_id if owner_id is None else owner_id
        await check_owner(actor, owner)
        fields = {"name": name, "is_public": is_public, "owner": owner,
                  **_source_columns(source, definition)}
        row = await store.insert_new_workflow(
            actor, fields, definition.to_json(), source=source, shared_with=set(shared_with)
        )
    return row


async def update_workflow(
    actor: Actor,
    workflow_id: int,
    *,
    definition: WorkflowDefinition | None = None,
    name: str | None = None,
    is_public: bool | None = None,
    expected_version: int | None = None,
    source: GitSource | None = None,
    owner_id: int | None = None,
) -> WorkflowRow:
    """Save changes; the version moves only when the definition's content changed. A new
    `owner_id` (a member) is for the owner or an organization admin to give, not a version."""
    if name is not None:
        check_name(name)
    async with engine().transaction():
        row, shared = await writable(actor, workflow_id, source)
        if expected_version is not None and expected_version != row.version:
            raise VersionConflict(workflow_id, expected_version, row.version)
        values: dict[str, Any] = {}
        if name is not None and name != row.name:
            values["name"] = name
        if is_public is not None and is_public != row.is_public:
            if not can_admin(actor, row, shared):
                raise Forbidden("only the owner or an organization admin may change isPublic")
            values["is_public"] = is_public
        if owner_id is not None and owner_id != row.owner:
            values["owner"] = await _new_owner(actor, row, shared, owner_id)
        if definition is not None:
            values.update(await _save_definition(actor, row, definition, source))
        if values:
            await store.update_columns(workflow_id, values)
        if values.keys() & {"is_public", "owner"}:
            await announce_workflow_access_changed(workflow_id)
        updated = await store.load_row(workflow_id)
    assert updated is not None  # locked above
    return updated


async def _new_owner(actor: Actor, row: WorkflowRow, shared: set[int], owner_id: int) -> int:
    if not can_admin(actor, row, shared):
        raise Forbidden("only the owner or an organization admin may change the owner")
    if await store.non_members(actor.organization_id, [owner_id]):
        raise invalid("owner", f"user {owner_id} is not a member of this organization")
    await store.announce(row.id, {"ownerId": owner_id})
    return owner_id


async def _save_definition(
    actor: Actor, row: WorkflowRow, definition: WorkflowDefinition, source: GitSource | None
) -> dict[str, Any]:
    """Column changes for a definition save; a revision and event when the content changed."""
    values = _source_columns(source, definition)
    document = definition.to_json()
    if definition.content_hash() == store.stored_hash(row):
        return values
    await check_references(actor.organization_id, document)
    version = row.version + 1
    await store.add_revision(row.id, version, document, actor, source)
    await store.announce(row.id, {"version": version})
    return {**values, **store.definition_columns(document), "version": version}


async def set_workflow_status(
    actor: Actor, workflow_id: int, status: str, reason: str = ""
) -> WorkflowRow:
    """Move a workflow to `status` (history row and event in the same transaction)."""
    if status not in STATUSES:
        raise invalid("status", f"{status!r} is not a workflow status ({', '.join(STATUSES)})")
    async with engine().transaction():
        row, shared = await store.readable(actor, workflow_id, lock=True)
        if not can_write(actor, row, shared):
            raise Forbidden(f"you may read workflow {workflow_id} but not change its status")
        if row.status != status:
            await store.update_columns(workflow_id, {"status": status})
            await store.record_status(actor, workflow_id, row.status, status, reason)
        updated = await store.load_row(workflow_id)
    assert updated is not None  # locked above
    return updated


async def check_writable(actor: Actor, workflow_id: int) -> None:
    """NotFound / Forbidden unless the actor may change (and so run) the workflow."""
    row, shared = await store.readable(actor, workflow_id)
    if not can_write(actor, row, shared):
        raise Forbidden(f"you may read workflow {workflow_id} but not change or run it")


async def get_workflow(actor: Actor, workflow_id: int) -> WorkflowRow:
    """The workflow if the actor may read it; NotFound otherwise (also for other orgs)."""
    row, _ = await store.readable(actor, workflow_id)
    return row
