"""Live state: the database rows of one organization that a sync compares with git.

Every workflow of the organization is loaded (not only git-managed ones), so the planner can
see a same-named workflow created through the API and report the conflict instead of taking it
over. Workflows are typed rows (domain.rows); shares and owners are resolved to user handles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.live_rows import member_ids, resource_rows, workflow_rows
from domain.rows import ResourceRow, WorkflowRow
from domain.workflows import stored_definition

Key = tuple[str, str]  # (kind, name)


@dataclass(frozen=True)
class LiveWorkflow:
    row: WorkflowRow
    owner: str
    shared_with: frozenset[str]

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def managed(self) -> bool:
        return self.row.managed_by == "git"

    def definition(self) -> dict[str, Any]:
        """The stored definition with the keys of `WorkflowDefinition.to_json()` (Any: JSON)."""
        return stored_definition(self.row)


@dataclass(frozen=True)
class LiveState:
    organization_id: int
    workflows: dict[str, LiveWorkflow] = field(default_factory=dict)
    resources: dict[Key, ResourceRow] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)  # handle -> user id


async def load_live(organization_id: int) -> LiveState:
    state = LiveState(organization_id, members=await member_ids(organization_id),
                      resources=dict(await resource_rows(organization_id)))
    for row in await workflow_rows(organization_id):
        state.workflows[row.name] = LiveWorkflow(
            row, row.owner_handle, frozenset(row.shared_handles or ()))
    return state
