"""Rows behind the workflow services: locked reads, inserts, revisions, status history.

Every function here runs inside the caller's transaction when there is one. Rows are dicts with
typed `WorkflowRow`s (domain.rows).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from piccolo.columns import Column

from db.tables import Workflow, WorkflowRevision, WorkflowStatusHistory
from domain._sql import fetch, fetch_one
from domain.access import Actor, can_read
from domain.errors import NameTaken, NotFound
from domain.events import NewEvent, append
from domain.rows import WorkflowRow
from domain.spec.definition import canonical_bytes


@dataclass(frozen=True)
class GitSource:
    """Where a git-managed workflow came from; passing it marks the workflow managed_by git."""

    path: str
    commit: str
    content_hash: str


def definition_columns(definition: Mapping[str, Any]) -> dict[str, Any]:
    """Workflow columns from a definition's canonical JSON (Any: JSON values)."""
    return {
        "description": definition.get("description", ""),
        "tags": list(definition.get("tags", [])),
        "trigger": definition.get("trigger", {"type": "manual"}),
        "settings": definition.get("settings", {}),
        "deployment_settings": definition.get("deployment"),
        "nodes": definition.get("nodes", []),
        "connections": definition.get("connections", []),
    }


def stored_definition(row: WorkflowRow) -> dict[str, Any]:
    """The definition JSON a workflow row holds (Any: JSON values), keys as in `to_json`."""
    return {
        "description": row.description,
        "tags": list(row.tags or []),
        "trigger": row.trigger,
        "settings": row.settings,
        "deployment": row.deployment_settings or {},
        "nodes": row.nodes,
        "connections": row.connections,
    }


def stored_hash(row: WorkflowRow) -> str:
    return hashlib.sha256(canonical_bytes(stored_definition(row))).hexdigest()


async def load_row(workflow_id: int, *, lock: bool = False) -> WorkflowRow | None:
    sql = "SELECT * FROM workflow WHERE id = $1" + (" FOR UPDATE" if lock else "")
    row = await fetch_one(sql, workflow_id)
    return None if row is None else WorkflowRow.from_record(row)


async def shared_ids(workflow_id: int) -> set[int]:
    rows = await fetch('SELECT "user" FROM workflow_share WHERE workflow = $1', workflow_id)
    return {int(row["user"]) for row in rows}


def not_found(workflow_id: int, thing: str = "workflow") -> NotFound:
    return NotFound(f"{thing} {workflow_id} does not exist")


async def readable(
    actor: Actor, workflow_id: int, *, lock: bool = False
) -> tuple[WorkflowRow, set[int]]:
    """The row and its shared user ids, or NotFound when the actor may not read it."""
    row = await load_row(workflow_id, lock=lock)
    if row is None:
        raise not_found(workflow_id)
    shared = await shared_ids(workflow_id)
    if not can_read(actor, row, shared):
        raise not_found(workflow_id)
    return row, shared


async def insert_workflow(fields: Mapping[str, Any]) -> int:
    """Insert a workflow and return its id; a taken name is NameTaken."""
    try:
        rows = await Workflow.insert(Workflow(**fields)).returning(Workflow.id)
    except asyncpg.UniqueViolationError:
        raise NameTaken("workflow", str(fields["name"])) from None
    return int(rows[0]["id"])


async def update_columns(workflow_id: int, values: Mapping[str, Any]) -> None:
    try:
        changes: dict[Column | str, Any] = {"updated_at": datetime.now(UTC)}
        changes.update(values.items())
        await Workflow.update(changes).where(Workflow.id == workflow_id)
    except asyncpg.UniqueViolationError:
        raise NameTaken("workflow", str(values.get("name"))) from None


async def add_revision(
    workflow_id: int,
    version: int,
    definition: Mapping[str, Any],
    actor: Actor,
    source: GitSource | None,
) -> None:
    await WorkflowRevision(
        workflow=workflow_id,
        version=version,
        definition=dict(definition),
        author=actor.user_id,
        source="git" if source else "api",
        source_commit=source.commit if source else None,
    ).save()


async def record_status(
    actor: Actor, workflow_id: int, from_status: str | None, to_status: str, reason: str
) -> None:
    """Status history row plus a `workflow` event, in the caller's transaction."""
    await WorkflowStatusHistory(
        workflow=workflow_id,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        actor=actor.user_id,
    ).save()
    await announce(workflow_id, {"status": to_status, "fromStatus": from_status,
                                 "reason": reason})


async def announce(workflow_id: int, payload: dict[str, Any]) -> None:
    """A `workflow` event on the workflow's stream (status, version, sharing changes)."""
    await append("workflow", workflow_id,
                 [NewEvent("workflow", {"workflowId": workflow_id, **payload})])


async def non_members(organization_id: int, user_ids: Collection[int]) -> list[int]:
    """The ids among `user_ids` that are not members of the organization (canShareWith)."""
    if not user_ids:
        return []
    rows = await fetch(
        'SELECT "user" FROM membership WHERE organization = $1 AND "user" = ANY($2::int[])',
        organization_id,
        list(user_ids),
    )
    members = {int(row["user"]) for row in rows}
    return sorted(set(user_ids) - members)


async def add_shares(workflow_id: int, user_ids: Collection[int]) -> None:
    """Add users to the sharedWith set (set semantics: sharing twice keeps one entry)."""
    await fetch(
        'INSERT INTO workflow_share (workflow, "user", created_at) '
        "SELECT $1, u, now() FROM unnest($2::int[]) AS u ON CONFLICT DO NOTHING",
        workflow_id,
        list(user_ids),
    )


async def insert_new_workflow(
    actor: Actor,
    fields: Mapping[str, Any],
    definition: Mapping[str, Any],
    *,
    source: GitSource | None = None,
    shared_with: Collection[int] = (),
) -> WorkflowRow:
    """Insert a draft at version 1 with its first revision, shares, history and event.
    `fields` holds name, owner and the non-versioned columns; call inside a transaction."""
    workflow_id = await insert_workflow(
        {
            "organization": actor.organization_id,
            "owner": actor.user_id,
            "status": "draft",
            "version": 1,
            **definition_columns(definition),
            **fields,
        }
    )
    await add_revision(workflow_id, 1, definition, actor, source)
    await add_shares(workflow_id, shared_with)
    row = await load_row(workflow_id)
    assert row is not None  # inserted above, in this transaction
    await record_status(actor, workflow_id, None, "draft", "created")
    return row
