"""Read side of workflows for the API: the access-filtered list and the batch reads behind its
dataloaders (one query per batch, whatever the list size)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain._sql import decode, fetch, fetch_one
from domain.access import Actor

# A workflow is visible to members when they own it, it is shared with them or public;
# admins see every workflow of their organization.
_VISIBLE = """
w.organization = $1 AND ($2 OR w.owner = $3 OR w.is_public OR EXISTS (
    SELECT 1 FROM workflow_share s WHERE s.workflow = w.id AND s."user" = $3))
"""


@dataclass(frozen=True)
class WorkflowFilter:
    status: str | None = None
    tag: str | None = None
    search: str | None = None
    is_template: bool | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_workflows(
    actor: Actor, where: WorkflowFilter, *, after_id: int, limit: int
) -> list[dict[str, Any]]:
    """Visible workflows with id > after_id, oldest first, at most `limit`."""
    rows = await fetch(
        f"SELECT w.* FROM workflow w WHERE {_VISIBLE}"
        " AND ($4::text IS NULL OR w.status = $4)"
        " AND ($5::text IS NULL OR $5 = ANY(w.tags))"
        " AND ($6::text IS NULL OR w.name ILIKE $6 OR w.description ILIKE $6)"
        " AND ($7::bool IS NULL OR w.is_template = $7)"
        " AND w.id > $8 ORDER BY w.id LIMIT $9",
        actor.organization_id, actor.is_admin, actor.user_id,
        where.status, where.tag, None if where.search is None else _like(where.search),
        where.is_template, after_id, limit,
    )
    return [decode(row) for row in rows]


async def still_readable(actor: Actor, workflow_id: int) -> bool | None:
    """Whether the actor may read the workflow now, in one query; None when it is gone (for
    open subscriptions re-checking their access)."""
    row = await fetch_one(
        f"SELECT EXISTS (SELECT 1 FROM workflow w WHERE w.id = $4 AND {_VISIBLE}) AS visible,"
        " EXISTS (SELECT 1 FROM workflow WHERE id = $4) AS present",
        actor.organization_id, actor.is_admin, actor.user_id, workflow_id,
    )
    assert row is not None  # EXISTS always answers
    return bool(row["visible"]) if row["present"] else None


async def workflows_by_ids(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    rows = await fetch("SELECT * FROM workflow WHERE id = ANY($1::int[])", list(ids))
    return {int(row["id"]): decode(row) for row in rows}


async def users_by_ids(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    rows = await fetch("SELECT * FROM app_user WHERE id = ANY($1::int[])", list(ids))
    return {int(row["id"]): row for row in rows}


async def shared_ids_by_workflows(ids: Sequence[int]) -> dict[int, list[int]]:
    rows = await fetch(
        'SELECT workflow, "user" FROM workflow_share WHERE workflow = ANY($1::int[]) '
        'ORDER BY "user"',
        list(ids),
    )
    found: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        found[int(row["workflow"])].append(int(row["user"]))
    return found


async def revisions_by_workflows(ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    rows = await fetch(
        "SELECT * FROM workflow_revision WHERE workflow = ANY($1::int[]) ORDER BY version",
        list(ids),
    )
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        found[int(row["workflow"])].append(decode(row))
    return found


async def latest_summaries_by_workflows(
    ids: Sequence[int], limit: int
) -> dict[int, list[dict[str, Any]]]:
    """The newest `limit` execution summaries of each workflow, newest first."""
    rows = await fetch(
        "SELECT s.* FROM unnest($1::int[]) AS w(id) CROSS JOIN LATERAL ("
        " SELECT * FROM execution_summary e WHERE e.workflow = w.id"
        " ORDER BY e.created_at DESC, e.execution DESC LIMIT $2) s",
        list(ids),
        limit,
    )
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        found[int(row["workflow"])].append(row)
    return found
