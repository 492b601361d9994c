"""Live state: the database rows of one organization that a sync compares with git.

Every workflow of the organization is loaded (not only git-managed ones), so the planner can
see a same-named workflow created through the API and report the conflict instead of taking it
over. Rows keep db/tables.py column names; shares and owners are resolved to user handles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain._sql import decode, fetch
from domain.workflows import stored_definition

Key = tuple[str, str]  # (kind, name)

# Kind -> table holding it; resources have no lifecycle, only their columns.
RESOURCE_TABLES = {  # the tables of domain.resources
    "Environment": "environment",
    "DataSource": "data_source",
    "AddOn": "add_on",
    "Model": "ai_model",
}


@dataclass(frozen=True)
class LiveWorkflow:
    row: Mapping[str, Any]  # Any: column values
    owner: str
    shared_with: frozenset[str]

    @property
    def id(self) -> int:
        return int(self.row["id"])

    @property
    def managed(self) -> bool:
        return bool(self.row["managed_by"] == "git")

    def definition(self) -> dict[str, Any]:
        """The stored definition with the keys of `WorkflowDefinition.to_json()` (Any: JSON)."""
        return stored_definition(self.row)


@dataclass(frozen=True)
class LiveState:
    organization_id: int
    workflows: dict[str, LiveWorkflow] = field(default_factory=dict)
    resources: dict[Key, Mapping[str, Any]] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)  # handle -> user id


async def load_live(organization_id: int) -> LiveState:
    members = await fetch(
        'SELECT u.id, u.handle FROM membership m JOIN app_user u ON u.id = m."user" '
        "WHERE m.organization = $1",
        organization_id,
    )
    state = LiveState(organization_id, members={str(m["handle"]): int(m["id"]) for m in members})
    await _load_workflows(state)
    for kind, table in RESOURCE_TABLES.items():
        rows = await fetch(f"SELECT * FROM {table} WHERE organization = $1", organization_id)
        state.resources.update({(kind, str(r["name"])): decode(r) for r in rows})
    return state


async def _load_workflows(state: LiveState) -> None:
    rows = await fetch(
        "SELECT w.*, o.handle AS owner_handle, "
        '(SELECT array_agg(u.handle) FROM workflow_share s JOIN app_user u ON u.id = s."user" '
        " WHERE s.workflow = w.id) AS shared_handles "
        "FROM workflow w JOIN app_user o ON o.id = w.owner "
        "WHERE w.organization = $1",
        state.organization_id,
    )
    for row in rows:
        decode(row)
        state.workflows[str(row["name"])] = LiveWorkflow(
            row, str(row.pop("owner_handle")), frozenset(row.pop("shared_handles") or ())
        )
