"""Rows by id for the API's `node(id:)` and `nodes(ids:)`: each function returns only the rows
the actor may read, with the same rules as the typed fields (a workflow's executions, spans,
log lines and revisions inherit its access; resources, sync runs and members belong to the
actor's organization; tokens to the actor). What is left out does not exist for the caller."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from domain._sql import decode, fetch
from domain.access import Actor
from domain.reads import DETAIL_COLUMNS
from domain.resources import ResourceKind
from domain.rows import (
    ExecutionRow,
    LogRow,
    OrganizationRow,
    ResourceRow,
    RevisionRow,
    SpanRow,
    UserRow,
    WorkflowRow,
)
from domain.workflow_reads import readable_workflows, visible

R = TypeVar("R", bound=ResourceRow)
T = TypeVar("T")


async def _readable_records(actor: Actor, sql: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Raw records of `sql` (`$4` holds the ids) whose workflow `w` the actor may read."""
    condition, args = visible(actor)
    return await fetch(sql.format(visible=condition), *args, list(ids))


async def _by_readable_workflow(
    actor: Actor, sql: str, ids: Sequence[int],
    make: Callable[[dict[str, Any]], T] = decode,  # type: ignore[assignment]
) -> dict[int, T]:
    """Rows of `sql` (`$4` holds the ids) whose workflow `w` the actor may read, each built
    from its record by `make` (a typed row's `from_record`; by default a decoded dict)."""
    return {int(row["id"]): make(row) for row in await _readable_records(actor, sql, ids)}


async def workflows(actor: Actor, ids: Sequence[int]) -> dict[int, WorkflowRow]:
    return await readable_workflows(actor, ids)


async def executions(actor: Actor, ids: Sequence[int]) -> dict[int, ExecutionRow]:
    columns = ", ".join(f"e.{name.strip()}" for name in DETAIL_COLUMNS.split(","))
    return await _by_readable_workflow(actor, (
        f"SELECT {columns} FROM execution e JOIN workflow w ON w.id = e.workflow"
        " WHERE {visible} AND e.id = ANY($4::int[])"), ids, ExecutionRow.from_record)


async def spans(actor: Actor, ids: Sequence[int]) -> dict[int, SpanRow]:
    return await _by_readable_workflow(actor, (
        "SELECT x.* FROM execution_span x JOIN execution e ON e.id = x.execution"
        " JOIN workflow w ON w.id = e.workflow WHERE {visible} AND x.id = ANY($4::int[])"), ids,
        SpanRow.from_record)


async def logs(actor: Actor, ids: Sequence[int]) -> dict[int, LogRow]:
    return await _by_readable_workflow(actor, (
        "SELECT x.* FROM execution_log x JOIN execution e ON e.id = x.execution"
        " JOIN workflow w ON w.id = e.workflow WHERE {visible} AND x.id = ANY($4::int[])"), ids,
        LogRow.from_record)


async def revisions(actor: Actor, ids: Sequence[int]) -> dict[int, RevisionRow]:
    records = await _readable_records(actor, (
        "SELECT x.*, (SELECT p.definition FROM workflow_revision p WHERE p.workflow = x.workflow"
        " AND p.version < x.version ORDER BY p.version DESC LIMIT 1) AS previous_definition"
        " FROM workflow_revision x JOIN workflow w ON w.id = x.workflow"
        " WHERE {visible} AND x.id = ANY($4::int[])"), ids)
    return {int(record["id"]): RevisionRow.from_record(record) for record in records}


async def resources(actor: Actor, kind: ResourceKind[R], ids: Sequence[int]) -> dict[int, R]:
    """Resources of one kind of the actor's organization."""
    rows = await fetch(
        f"SELECT * FROM {kind.table} WHERE organization = $1 AND id = ANY($2::int[])",
        actor.organization_id, list(ids))
    return {int(row["id"]): kind.row.from_record(row) for row in rows}


async def users(actor: Actor, ids: Sequence[int]) -> dict[int, UserRow]:
    """Users who are members of the actor's organization."""
    rows = await fetch(
        'SELECT u.* FROM app_user u JOIN membership m ON m."user" = u.id'
        " WHERE m.organization = $1 AND u.id = ANY($2::int[])",
        actor.organization_id, list(ids))
    return {int(row["id"]): UserRow.from_record(row) for row in rows}


async def organizations(actor: Actor, ids: Sequence[int]) -> dict[int, OrganizationRow]:
    """The actor's own organization, if asked for."""
    rows = await fetch("SELECT * FROM organization WHERE id = $1 AND id = ANY($2::int[])",
                       actor.organization_id, list(ids))
    return {int(row["id"]): OrganizationRow.from_record(row) for row in rows}
