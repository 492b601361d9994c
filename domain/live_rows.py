"""The rows of one organization that a git sync compares with its checkout: members by
handle, every workflow (not only git-managed ones) with its owner's and sharers' handles, and
every resource by (kind, name). Workflows are typed rows (domain.rows); resource rows keep
db/tables.py column names, JSON columns decoded."""

from __future__ import annotations

from domain._sql import fetch
from domain.resources import KINDS
from domain.rows import ResourceRow, SyncWorkflowRow


async def member_ids(organization_id: int) -> dict[str, int]:
    """handle -> user id of the organization's members."""
    rows = await fetch(
        'SELECT u.id, u.handle FROM membership m JOIN app_user u ON u.id = m."user" '
        "WHERE m.organization = $1",
        organization_id,
    )
    return {str(row["handle"]): int(row["id"]) for row in rows}


async def workflow_rows(organization_id: int) -> list[SyncWorkflowRow]:
    """Every workflow row, with its owner's and sharers' handles."""
    rows = await fetch(
        "SELECT w.*, o.handle AS owner_handle, "
        '(SELECT array_agg(u.handle) FROM workflow_share s JOIN app_user u ON u.id = s."user" '
        " WHERE s.workflow = w.id) AS shared_handles "
        "FROM workflow w JOIN app_user o ON o.id = w.owner "
        "WHERE w.organization = $1",
        organization_id,
    )
    return [SyncWorkflowRow.from_record(row) for row in rows]


async def resource_rows(organization_id: int) -> dict[tuple[str, str], ResourceRow]:
    """(kind, name) -> row of every resource of the organization."""
    found: dict[tuple[str, str], ResourceRow] = {}
    for kind in KINDS:
        rows = await fetch(f"SELECT * FROM {kind.table} WHERE organization = $1",
                           organization_id)
        found.update({(kind.kind, str(row["name"])): kind.row.from_record(row) for row in rows})
    return found
