"""The Workflow type: the seed's fields in camelCase, its git source, owner and shares, and
its revisions and executions as connections (all through dataloaders)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import cast

import strawberry

from domain import reads
from domain.access import can_write
from domain.rows import RevisionRow, UserRow, WorkflowRow
from domain.webhooks import webhook_url
from domain.workflow_diff import diff
from graphql_api.context import Info
from graphql_api.loaders import ByIdLoader, Maybe, peek, peek_many, pending, then
from graphql_api.types.definition import (
    DeploymentSettings,
    NodeConnection,
    Trigger,
    WorkflowNode,
    WorkflowSettings,
)
from graphql_api.types.enums import DeploymentPhase, ManagedBy, WorkflowStatus, enum_or
from graphql_api.types.execution import EXECUTIONS, Execution, ExecutionConnection
from graphql_api.types.filters import ExecutionFilter
from graphql_api.types.ids import global_id
from graphql_api.types.lean import lean
from graphql_api.types.node import Node
from graphql_api.types.pagination import (
    Connection,
    CountedConnection,
    Listing,
    connection,
    window,
)
from graphql_api.types.scalars import JSON, Cursor
from graphql_api.types.sync_run import SyncStatus, sync_status
from graphql_api.types.user import User

REVISIONS = Listing[RevisionRow]("revisions", lambda row: (row.version,), (int,))


@strawberry.type
class DefinitionChange:
    path: str
    before: JSON | None
    after: JSON | None


@strawberry.type
class WorkflowRevision(Node):
    pk: strawberry.Private[int]
    author_pk: strawberry.Private[int | None]
    version: int
    created_at: datetime
    source: ManagedBy
    source_commit: str | None
    definition: JSON
    changes: list[DefinitionChange] = strawberry.field(
        description="What this revision changed against the previous one."
    )

    @strawberry.field
    async def author(self, info: Info) -> User | None:
        if self.author_pk is None:
            return None
        row = await info.context.loaders.user_by_id.load(self.author_pk)
        return None if row is None else User.from_row(row)

    @classmethod
    def from_row(cls, row: RevisionRow) -> WorkflowRevision:
        """From a revision row with the definition before it (`previous_definition`)."""
        changes = [DefinitionChange(path=c.path, before=c.before, after=c.after)
                   for c in diff(row.previous_definition or {}, row.definition)]
        return cls(
            id=global_id("WorkflowRevision", row.id), pk=row.id,
            author_pk=row.author, version=row.version, created_at=row.created_at,
            source=enum_or(ManagedBy, row.source, ManagedBy.API),
            source_commit=row.source_commit, definition=JSON(row.definition), changes=changes,
        )


@strawberry.type
class WorkflowRevisionConnection(Connection[WorkflowRevision]):
    pass


@strawberry.type
class Workflow(Node):
    row: strawberry.Private[WorkflowRow]
    pk: strawberry.Private[int]
    name: str
    description: str
    status: WorkflowStatus
    version: int
    is_public: bool
    is_template: bool
    tags: list[str]

    @lean
    def _resolve_execution_count(self, info: Info) -> Maybe[int]:
        """How many executions the workflow has started (those deleted by retention too)."""
        return peek(info.context.loaders.execution_count_by_workflow, self.pk)

    execution_count = strawberry.field(_resolve_execution_count, graphql_type=int)

    # Built from the row only when selected (a list page rarely asks for the definition).
    @lean
    def _resolve_nodes(self) -> list[WorkflowNode]:
        return [WorkflowNode.from_json(n) for n in self.row.nodes or []]

    nodes: list[WorkflowNode] = strawberry.field(resolver=_resolve_nodes)

    @lean
    def _resolve_connections(self) -> list[NodeConnection]:
        return [NodeConnection.from_json(c) for c in self.row.connections or []]

    connections: list[NodeConnection] = strawberry.field(resolver=_resolve_connections)

    @lean
    def _resolve_settings(self) -> WorkflowSettings:
        return WorkflowSettings.from_json(self.row.settings or {})

    settings: WorkflowSettings = strawberry.field(resolver=_resolve_settings)

    @lean
    def _resolve_trigger(self) -> Trigger:
        return Trigger.from_json(self.row.trigger or {})

    trigger: Trigger = strawberry.field(resolver=_resolve_trigger)

    @lean
    def _resolve_deployment_settings(self) -> DeploymentSettings | None:
        return DeploymentSettings.from_json(self.row.deployment_settings)

    deployment_settings: DeploymentSettings | None = strawberry.field(
        resolver=_resolve_deployment_settings)

    deployment_environment_id: str | None
    deployment_cpu: float | None
    deployment_memory: str | None
    deployment_disk: str | None
    deployment_gpu: int | None
    deployment_gpu_type: str | None
    deployment_autoscale_min: int | None = strawberry.field(description=(
        "The fewest workers its autoscaler keeps (0: none while idle); null when the "
        "deployment runs one fixed worker (no autoscale, or a local deployment, which "
        "ignores it)."))
    deployment_autoscale_max: int | None = strawberry.field(description=(
        "The most workers its autoscaler starts; null as for deploymentAutoscaleMin."))
    deployment_namespace: str | None
    deployment_name: str | None
    deployment_pod_name: str | None
    deployment_phase: DeploymentPhase | None
    deployment_error: str | None = strawberry.field(description=(
        "What stands in the deployment's way, as \"<reason>: <message>\": why it FAILED, or "
        "what a PROGRESSING one waits on (e.g. Unschedulable)."))
    deployment_reason: str | None = strawberry.field(description=(
        "The short code of deploymentError: Unschedulable, CrashLoop, ImagePull, Timeout, ..."))
    deployed_at: datetime | None
    deployment_phase_changed_at: datetime | None = strawberry.field(description=(
        "When deploymentPhase last changed (the deploy timeout counts from it)."))
    managed_by: ManagedBy
    source_path: str | None
    source_commit: str | None
    sync_status: SyncStatus | None = strawberry.field(
        description="After the last sync run that touched this git-managed workflow."
    )
    sync_error: str | None
    created_at: datetime
    updated_at: datetime

    @lean
    def _resolve_webhook_url(self, info: Info) -> Maybe[str | None]:
        """Where to POST deliveries; set while the workflow is active with a webhook trigger,
        and only for callers who may run it (null for readers of a public workflow)."""
        url = webhook_url(self.row)
        if url is None:
            return None
        actor, row = info.context.actor, self.row
        shared = peek(info.context.loaders.shared_user_ids_by_workflow, self.pk)
        return then(shared, lambda ids: url if can_write(actor, row, ids) else None)

    webhook_url = strawberry.field(_resolve_webhook_url, graphql_type=str | None)

    @lean
    def _resolve_owner(self, info: Info) -> Maybe[User]:
        return then(peek(info.context.loaders.user_by_id, self.row.owner), self._owner)

    owner = strawberry.field(_resolve_owner, graphql_type=User)

    def _owner(self, row: UserRow | None) -> User:
        if row is None:
            raise LookupError(f"the owner of workflow {self.pk} does not exist")
        return User.from_row(row)

    @strawberry.field
    async def template(self, info: Info) -> Workflow | None:
        """The template this workflow was created from, if the caller may read it."""
        return await _readable(info, self.row.template)

    @strawberry.field
    async def cloned_from(self, info: Info) -> Workflow | None:
        """The workflow this one was cloned from, if the caller may read it."""
        return await _readable(info, self.row.cloned_from)

    @lean
    def _resolve_shared_with(self, info: Info) -> Maybe[list[User]]:
        """Members the workflow is shared with (they may read, change and run it); at most
        the organization's members."""
        loaders = info.context.loaders
        ids = peek(loaders.shared_user_ids_by_workflow, self.pk)
        if pending(ids):
            return _shared_later(loaders.user_by_id, ids)
        return then(peek_many(loaders.user_by_id, cast(list[int], ids)), _users)  # loaded

    shared_with = strawberry.field(_resolve_shared_with, graphql_type=list[User])

    @strawberry.field
    async def revisions(
        self, info: Info, first: int | None = None, after: Cursor | None = None,
        last: int | None = None, before: Cursor | None = None,
    ) -> WorkflowRevisionConnection:
        """One revision per version, oldest first."""
        chosen = window(REVISIONS, first, after, last, before)
        page = await info.context.loaders.revisions_by_workflow.load((self.pk, chosen))
        return connection(WorkflowRevisionConnection, REVISIONS, page, chosen,
                          WorkflowRevision.from_row)

    @lean
    def _resolve_executions(
        self, info: Info, filter: ExecutionFilter | None = None, first: int | None = None,
        after: Cursor | None = None, last: int | None = None, before: Cursor | None = None,
    ) -> Maybe[ExecutionConnection]:
        """The workflow's executions, newest first."""
        where = reads.ExecutionFilter() if filter is None else filter.to_domain()
        chosen = window(EXECUTIONS, first, after, last, before)
        page = peek(info.context.loaders.executions_by_workflow, (self.pk, (where, chosen)))
        return then(page, lambda loaded: connection(
            ExecutionConnection, EXECUTIONS, loaded, chosen, Execution.from_summary))

    executions = strawberry.field(_resolve_executions, graphql_type=ExecutionConnection)

    @classmethod
    def from_row(cls, row: WorkflowRow) -> Workflow:
        return cls(
            row=row, id=global_id("Workflow", row.id), pk=row.id, name=row.name,
            description=row.description,
            status=enum_or(WorkflowStatus, row.status, WorkflowStatus.DRAFT),
            version=row.version, is_public=row.is_public,
            is_template=row.is_template, tags=list(row.tags or []),
            deployment_phase=None if row.deployment_phase is None else enum_or(
                DeploymentPhase, row.deployment_phase, DeploymentPhase.FAILED),
            managed_by=enum_or(ManagedBy, row.managed_by, ManagedBy.API),
            sync_status=sync_status(row.sync_status),
            deployment_environment_id=row.deployment_environment_id,
            deployment_cpu=row.deployment_cpu, deployment_memory=row.deployment_memory,
            deployment_disk=row.deployment_disk, deployment_gpu=row.deployment_gpu,
            deployment_gpu_type=row.deployment_gpu_type,
            deployment_autoscale_min=row.deployment_autoscale_min,
            deployment_autoscale_max=row.deployment_autoscale_max,
            deployment_namespace=row.deployment_namespace,
            deployment_name=row.deployment_name, deployment_pod_name=row.deployment_pod_name,
            deployment_error=row.deployment_error, deployment_reason=row.deployment_reason,
            deployed_at=row.deployed_at,
            deployment_phase_changed_at=row.deployment_phase_changed_at,
            source_path=row.source_path, source_commit=row.source_commit,
            sync_error=row.sync_error, created_at=row.created_at, updated_at=row.updated_at,
        )


def _users(rows: list[UserRow | None]) -> list[User]:
    return [User.from_row(row) for row in rows if row is not None]


async def _shared_later(users: ByIdLoader[UserRow], loading: Awaitable[list[int]]) -> list[User]:
    return _users(await users.load_many(await loading))


async def _readable(info: Info, workflow_id: int | None) -> Workflow | None:
    if workflow_id is None:
        return None
    row = await info.context.loaders.readable_workflow_by_id.load(int(workflow_id))
    return None if row is None else Workflow.from_row(row)


@strawberry.type
class WorkflowConnection(CountedConnection[Workflow]):
    pass

