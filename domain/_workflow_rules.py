"""Checks shared by the workflow services: names, sharing targets, git-managed edits, and the
locked row a caller may change."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from db.tables import Organization
from domain import _workflow_store as store
from domain._sql import fetch_one
from domain._workflow_store import GitSource
from domain.access import Actor, can_admin, can_write
from domain.errors import Forbidden, GitManaged, InvalidInput
from domain.reference_rules import document_issues
from domain.rows import WorkflowRow
from domain.spec._types import DnsLabel
from domain.spec.errors import SpecError

_NAME = TypeAdapter(DnsLabel)


def invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, [SpecError(None, None, None, field, message)])


def check_name(name: str, field: str = "name") -> None:
    """Workflow names are DNS-1123 labels (they name Kubernetes objects)."""
    try:
        _NAME.validate_python(name)
    except ValidationError as exc:
        message = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise invalid(field, message) from None


async def check_references(organization_id: int, definition: Mapping[str, Any]) -> None:
    """Refuse the references the organization may not use (domain.reference_rules), e.g. a
    webhook trigger's `secretRef: {env: DATABASE_URL}` (Any: the definition's JSON)."""
    org = await fetch_one("SELECT slug FROM organization WHERE id = $1", organization_id)
    assert org is not None  # the actor's organization
    issues = document_issues("Workflow", {"spec": definition}, str(org["slug"]))
    if issues:
        loc, message = issues[0]
        raise invalid(".".join(str(part) for part in loc[1:]), message)


async def check_shareable(
    organization_id: int, user_ids: Collection[int], field: str = "sharedWith"
) -> None:
    """Sharing is only with members of the same organization (the seed's canShareWith)."""
    outsiders = await store.non_members(organization_id, user_ids)
    if outsiders:
        listed = ", ".join(str(user_id) for user_id in outsiders)
        raise invalid(field, f"user {listed} is not a member of this organization")


async def check_owner(actor: Actor, owner_id: int, field: str = "owner") -> None:
    """Only an organization admin (the sync principal is one) makes someone else the owner,
    and the owner must be a member of the organization."""
    if owner_id == actor.user_id:
        return
    if not actor.is_admin:
        raise Forbidden("only an organization admin may make another user the owner")
    if await store.non_members(actor.organization_id, [owner_id]):
        raise invalid(field, f"user {owner_id} is not a member of this organization")


async def refuse_git_edit(actor: Actor, row: WorkflowRow, source: GitSource | None) -> None:
    """Forbidden when an API caller edits a git-managed workflow without an override."""
    if row.managed_by != "git" or source is not None or actor.is_service:
        return
    org = await Organization.select(Organization.allow_git_overrides).where(
        Organization.id == row.organization
    ).first()
    if org is not None and org["allow_git_overrides"]:
        return
    raise GitManaged(f"workflow {row.name!r}", row.source_path)


async def writable(
    actor: Actor, workflow_id: int, source: GitSource | None = None
) -> tuple[WorkflowRow, set[int]]:
    """Lock a workflow the actor may change; NotFound / Forbidden otherwise."""
    row, shared = await store.readable(actor, workflow_id, lock=True)
    if not can_write(actor, row, shared):
        raise Forbidden(f"you may read workflow {workflow_id} but not change it")
    await refuse_git_edit(actor, row, source)
    return row, shared


async def administrable(actor: Actor, workflow_id: int, action: str) -> WorkflowRow:
    """Lock a workflow the actor may delete / share / make public (owner or org admin)."""
    row, shared = await store.readable(actor, workflow_id, lock=True)
    if not can_admin(actor, row, shared):
        raise Forbidden(
            f"only the owner or an organization admin may {action} workflow {workflow_id}"
        )
    await refuse_git_edit(actor, row, None)
    return row
