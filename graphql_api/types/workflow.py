"""The Workflow type: the seed's fields in camelCase, its git source, revisions and latest
executions (both through dataloaders)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from domain.webhooks import webhook_url
from domain.workflow_diff import diff
from graphql_api.context import Info
from graphql_api.types.definition import (
    DeploymentSettings,
    NodeConnection,
    Trigger,
    WorkflowNode,
    WorkflowSettings,
)
from graphql_api.types.enums import ManagedBy, WorkflowStatus, enum_or
from graphql_api.types.execution import ExecutionSummary
from graphql_api.types.scalars import JSON, MAX_PAGE
from graphql_api.types.sync_run import SyncStatus, sync_status
from graphql_api.types.user import User

Row = dict[str, Any]  # Any: column values


def _optional_id(value: object) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type
class DefinitionChange:
    path: str
    before: JSON | None
    after: JSON | None


@strawberry.type
class WorkflowRevision:
    version: int
    created_at: datetime
    author_id: strawberry.ID | None
    source: ManagedBy
    source_commit: str | None
    definition: JSON
    changes: list[DefinitionChange] = strawberry.field(
        description="What this revision changed against the previous one."
    )

    @classmethod
    def from_rows(cls, rows: list[Row]) -> list[WorkflowRevision]:
        revisions: list[WorkflowRevision] = []
        previous: Any = {}  # Any: the previous definition's JSON
        for row in rows:
            changes = [DefinitionChange(path=c.path, before=c.before, after=c.after)
                       for c in diff(previous, row["definition"])]
            revisions.append(cls(
                version=int(row["version"]), created_at=row["created_at"],
                author_id=_optional_id(row["author"]),
                source=enum_or(ManagedBy, row["source"], ManagedBy.API),
                source_commit=row["source_commit"], definition=row["definition"],
                changes=changes,
            ))
            previous = row["definition"]
        return revisions


@strawberry.type
class Workflow:
    row: strawberry.Private[Row]
    id: strawberry.ID
    name: str
    description: str
    status: WorkflowStatus
    version: int
    owner_id: strawberry.ID
    is_public: bool
    is_template: bool
    template_id: strawberry.ID | None
    cloned_from_id: strawberry.ID | None
    tags: list[str]
    execution_count: int
    nodes: list[WorkflowNode]
    connections: list[NodeConnection]
    settings: WorkflowSettings
    trigger: Trigger
    deployment_settings: DeploymentSettings | None
    deployment_environment_id: str | None
    deployment_cpu: float | None
    deployment_memory: str | None
    deployment_disk: str | None
    deployment_gpu: int | None
    deployment_gpu_type: str | None
    deployment_namespace: str | None
    deployment_name: str | None
    deployment_pod_name: str | None
    deployment_phase: str | None
    deployment_error: str | None
    deployed_at: datetime | None
    managed_by: ManagedBy
    source_path: str | None
    source_commit: str | None
    sync_status: SyncStatus | None = strawberry.field(
        description="After the last sync run that touched this git-managed workflow."
    )
    sync_error: str | None
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    def webhook_url(self) -> str | None:
        """Where to POST deliveries; set while the workflow is active with a webhook trigger."""
        return webhook_url(self.row)

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        row = await info.context.loaders.user_by_id.load(int(self.owner_id))
        return None if row is None else User.from_row(row)

    @strawberry.field
    async def shared_with(self, info: Info) -> list[User]:
        loaders = info.context.loaders
        ids = await loaders.shared_user_ids_by_workflow.load(int(self.id))
        rows = await loaders.user_by_id.load_many(ids)
        return [User.from_row(row) for row in rows if row is not None]

    @strawberry.field
    async def revisions(self, info: Info) -> list[WorkflowRevision]:
        """One revision per version, oldest first."""
        rows = await info.context.loaders.revisions_by_workflow.load(int(self.id))
        return WorkflowRevision.from_rows(rows)

    @strawberry.field
    async def executions(self, info: Info, first: int = 10) -> list[ExecutionSummary]:
        """The latest executions, newest first."""
        limit = max(0, min(first, MAX_PAGE))
        rows = await info.context.loaders.latest_executions_by_workflow.load((int(self.id), limit))
        return [ExecutionSummary.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: Row) -> Workflow:
        return cls(
            row=row, id=strawberry.ID(str(row["id"])), name=row["name"],
            description=row["description"],
            status=enum_or(WorkflowStatus, row["status"], WorkflowStatus.DRAFT),
            version=int(row["version"]), owner_id=strawberry.ID(str(row["owner"])),
            is_public=bool(row["is_public"]), is_template=bool(row["is_template"]),
            template_id=_optional_id(row["template"]),
            cloned_from_id=_optional_id(row["cloned_from"]),
            tags=list(row["tags"] or []), execution_count=int(row["execution_count"]),
            nodes=[WorkflowNode.from_json(n) for n in row["nodes"] or []],
            connections=[NodeConnection.from_json(c) for c in row["connections"] or []],
            settings=WorkflowSettings.from_json(row["settings"] or {}),
            trigger=Trigger.from_json(row["trigger"] or {}),
            deployment_settings=DeploymentSettings.from_json(row["deployment_settings"]),
            managed_by=enum_or(ManagedBy, row["managed_by"], ManagedBy.API),
            sync_status=sync_status(row.get("sync_status")),
            **{name: row[name] for name in _PLAIN_COLUMNS},
        )


_PLAIN_COLUMNS = (
    "deployment_environment_id", "deployment_cpu", "deployment_memory", "deployment_disk",
    "deployment_gpu", "deployment_gpu_type", "deployment_namespace", "deployment_name",
    "deployment_pod_name", "deployment_phase", "deployment_error", "deployed_at", "source_path",
    "source_commit", "sync_error", "created_at", "updated_at",
)
