"""Read side of workflows for the API: the access-filtered list (keyset pages, a count), one
workflow by name, and the batch reads behind its dataloaders (one query per batch, whatever
the list size)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain._sql import fetch, fetch_one
from domain.access import Actor
from domain.errors import NotFound
from domain.pages import Order, Page, Window, keyset, pages_by_parent
from domain.rows import RevisionRow, UserRow, WorkflowRow

# A workflow is visible to members when they own it, it is shared with them or public;
# admins see every workflow of their organization.
_VISIBLE = """
w.organization = $1 AND ($2 OR w.owner = $3 OR w.is_public OR EXISTS (
    SELECT 1 FROM workflow_share s WHERE s.workflow = w.id AND s."user" = $3))
"""
BY_ID = Order(("w.id",))
REVISIONS = Order(("t.version",))


def visible(actor: Actor) -> tuple[str, list[Any]]:
    """The visibility condition on a workflow aliased `w`, with its first three arguments."""
    return _VISIBLE, [actor.organization_id, actor.is_admin, actor.user_id]


@dataclass(frozen=True)
class WorkflowFilter:
    status: str | None = None
    tag: str | None = None
    search: str | None = None
    is_template: bool | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(actor: Actor, where: WorkflowFilter) -> tuple[str, list[Any]]:
    condition, args = visible(actor)
    args += [where.status, where.tag, None if where.search is None else _like(where.search),
             where.is_template]
    return (
        f"FROM workflow w WHERE {condition}"
        " AND ($4::text IS NULL OR w.status = $4)"
        " AND ($5::text IS NULL OR $5 = ANY(w.tags))"
        " AND ($6::text IS NULL OR w.name ILIKE $6 OR w.description ILIKE $6)"
        " AND ($7::bool IS NULL OR w.is_template = $7)"
    ), args


async def list_workflows(
    actor: Actor, where: WorkflowFilter, window: Window
) -> Page[WorkflowRow]:
    """Visible workflows matching `where`, oldest first."""
    source, args = _filtered(actor, where)
    conditions, ordering = keyset(BY_ID, window, args)
    rows = await fetch(f"SELECT w.* {source}{conditions}{ordering}", *args)
    return Page.of([WorkflowRow.from_record(row) for row in rows], window)


async def count_workflows(actor: Actor, where: WorkflowFilter) -> int:
    source, args = _filtered(actor, where)
    row = await fetch_one(f"SELECT count(*) AS n {source}", *args)
    return 0 if row is None else int(row["n"])


async def workflow_by_name(actor: Actor, name: str) -> WorkflowRow:
    """The visible workflow of the actor's organization named `name` (NotFound otherwise)."""
    condition, args = visible(actor)
    row = await fetch_one(f"SELECT w.* FROM workflow w WHERE {condition} AND w.name = $4",
                          *args, name)
    if row is None:
        raise NotFound(f"workflow {name!r} does not exist")
    return WorkflowRow.from_record(row)


async def readable_workflows(actor: Actor, ids: Sequence[int]) -> dict[int, WorkflowRow]:
    """The workflows among `ids` that the actor may read."""
    condition, args = visible(actor)
    rows = await fetch(f"SELECT w.* FROM workflow w WHERE {condition} AND w.id = ANY($4::int[])",
                       *args, list(ids))
    return {int(row["id"]): WorkflowRow.from_record(row) for row in rows}


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


async def workflows_by_ids(ids: Sequence[int]) -> dict[int, WorkflowRow]:
    """Workflow rows by id, without an access check (for objects whose access was checked:
    an execution's workflow)."""
    rows = await fetch("SELECT * FROM workflow WHERE id = ANY($1::int[])", list(ids))
    return {int(row["id"]): WorkflowRow.from_record(row) for row in rows}


async def users_by_ids(ids: Sequence[int]) -> dict[int, UserRow]:
    rows = await fetch("SELECT * FROM app_user WHERE id = ANY($1::int[])", list(ids))
    return {int(row["id"]): UserRow.from_record(row) for row in rows}


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


async def revisions_by_workflows(
    ids: Sequence[int], window: Window
) -> dict[int, Page[RevisionRow]]:
    """A page of each workflow's revisions, oldest first; each row carries the definition of
    the revision before it (`previous_definition`) so its changes can be shown."""
    source = (
        "SELECT x.*, lag(x.definition) OVER (ORDER BY x.version) AS previous_definition"
        " FROM workflow_revision x WHERE x.workflow = p.id"
    )
    return await pages_by_parent(source, [list(ids)], "workflow", REVISIONS, window,
                                 make=RevisionRow.from_record)
