"""Workflow mutations. Each returns the workflow or a typed error (see types/errors.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from domain import webhooks, workflows
from domain.access import Actor
from domain.errors import InvalidInput
from domain.settings import get_settings
from domain.spec.definition import WorkflowDefinition, validate_definition
from graphql_api.context import Info
from graphql_api.mutation_result import missing, run
from graphql_api.types.errors import ErrorType
from graphql_api.types.inputs import ids, to_json
from graphql_api.types.scalars import to_id
from graphql_api.types.workflow import Workflow
from graphql_api.workflows.inputs import CreateWorkflowInput, UpdateWorkflowInput
from graphql_api.workflows.queries import workflow_not_found

DEFINITION_KEYS = ("description", "tags", "trigger", "settings", "deployment", "nodes",
                   "connections")


def _union(name: str) -> Any:  # Any: a strawberry.union marker for Annotated
    return strawberry.union(name)


WorkflowMutationResult = Workflow | ErrorType
CreateWorkflowResult = Annotated[WorkflowMutationResult, _union("CreateWorkflowResult")]
UpdateWorkflowResult = Annotated[WorkflowMutationResult, _union("UpdateWorkflowResult")]
ArchiveWorkflowResult = Annotated[WorkflowMutationResult, _union("ArchiveWorkflowResult")]
ShareWorkflowResult = Annotated[WorkflowMutationResult, _union("ShareWorkflowResult")]
UnshareWorkflowResult = Annotated[WorkflowMutationResult, _union("UnshareWorkflowResult")]
CloneWorkflowResult = Annotated[WorkflowMutationResult, _union("CloneWorkflowResult")]
CreateTemplateResult = Annotated[WorkflowMutationResult, _union("CreateTemplateResult")]
RotateWebhookTokenResult = Annotated[WorkflowMutationResult, _union("RotateWebhookTokenResult")]
CreateWorkflowFromTemplateResult = Annotated[
    WorkflowMutationResult, _union("CreateWorkflowFromTemplateResult")
]


@strawberry.type
class WorkflowDeleted:
    id: strawberry.ID
    name: str


DeleteWorkflowResult = Annotated[WorkflowDeleted | ErrorType, _union("DeleteWorkflowResult")]


def _definition(data: dict[str, Any]) -> WorkflowDefinition:
    """Validate like a YAML file does; every problem with its field path."""
    definition, errors = validate_definition(data, get_settings().max_definition_bytes)
    if definition is None:
        message = errors[0].message if len(errors) == 1 else (
            f"the workflow definition has {len(errors)} problems"
        )
        raise InvalidInput(message, list(errors))
    return definition


def _given_definition(fields: Any) -> dict[str, Any]:  # Any: a DefinitionFields input
    data = to_json(fields)
    return {key: data[key] for key in DEFINITION_KEYS if key in data}


async def _update(actor: Actor, workflow_id: int, given: UpdateWorkflowInput,
                  expected_version: int | None) -> dict[str, Any]:
    changes = _given_definition(given)
    definition = None
    if changes:
        current = await workflows.get_workflow(actor, workflow_id)
        definition = _definition({**workflows.stored_definition(current), **changes})
        # The merge is based on the version read here: a concurrent save is a conflict.
        expected_version = expected_version or int(current["version"])
    return await workflows.update_workflow(
        actor, workflow_id, definition=definition, name=given.name, is_public=given.is_public,
        expected_version=expected_version,
    )


@strawberry.type
class WorkflowMutations:
    @strawberry.mutation
    async def create_workflow(self, info: Info, input: CreateWorkflowInput) -> CreateWorkflowResult:
        actor = info.context.actor

        async def call() -> dict[str, Any]:
            return await workflows.create_workflow(
                actor, input.name, _definition(_given_definition(input)),
                is_public=input.is_public, shared_with=ids(input.shared_with),
            )

        return await run(call, Workflow.from_row, workflow_not_found(""), "input.")

    @strawberry.mutation
    async def update_workflow(
        self, info: Info, id: strawberry.ID, input: UpdateWorkflowInput,
        expected_version: int | None = None,
    ) -> UpdateWorkflowResult:
        async def call() -> dict[str, Any]:
            workflow_id = to_id(id)
            if workflow_id is None:
                raise missing(f"workflow {id}")
            return await _update(info.context.actor, workflow_id, input, expected_version)

        return await run(call, Workflow.from_row, workflow_not_found(id), "input.")

    @strawberry.mutation
    async def delete_workflow(self, info: Info, id: strawberry.ID) -> DeleteWorkflowResult:
        """Undeploys, then removes the workflow with its history, executions and traces."""
        return await run(
            _by_id(id, lambda wid: workflows.delete_workflow(info.context.actor, wid)),
            lambda row: WorkflowDeleted(id=strawberry.ID(str(row["id"])), name=row["name"]),
            workflow_not_found(id),
        )

    @strawberry.mutation
    async def archive_workflow(self, info: Info, id: strawberry.ID) -> ArchiveWorkflowResult:
        return await run(
            _by_id(id, lambda wid: workflows.archive_workflow(info.context.actor, wid)),
            Workflow.from_row, workflow_not_found(id),
        )

    @strawberry.mutation
    async def share_workflow(
        self, info: Info, workflow_id: strawberry.ID, user_id: strawberry.ID
    ) -> ShareWorkflowResult:
        """Add a member of the organization to sharedWith (sharing twice keeps one entry)."""
        user = to_id(user_id) or 0
        return await run(
            _by_id(workflow_id,
                   lambda wid: workflows.share_workflow(info.context.actor, wid, user)),
            Workflow.from_row, workflow_not_found(workflow_id),
        )

    @strawberry.mutation
    async def unshare_workflow(
        self, info: Info, workflow_id: strawberry.ID, user_id: strawberry.ID
    ) -> UnshareWorkflowResult:
        user = to_id(user_id) or 0
        return await run(
            _by_id(workflow_id,
                   lambda wid: workflows.unshare_workflow(info.context.actor, wid, user)),
            Workflow.from_row, workflow_not_found(workflow_id),
        )

    @strawberry.mutation
    async def clone_workflow(
        self, info: Info, workflow_id: strawberry.ID, name: str
    ) -> CloneWorkflowResult:
        """An independent draft copy owned by the caller; nothing shared, no deployment."""
        return await run(
            _by_id(workflow_id,
                   lambda wid: workflows.clone_workflow(info.context.actor, wid, name)),
            Workflow.from_row, workflow_not_found(workflow_id),
        )

    @strawberry.mutation
    async def create_template(
        self, info: Info, workflow_id: strawberry.ID, name: str | None = None
    ) -> CreateTemplateResult:
        return await run(
            _by_id(workflow_id,
                   lambda wid: workflows.create_template(info.context.actor, wid, name)),
            Workflow.from_row, workflow_not_found(workflow_id),
        )

    @strawberry.mutation
    async def create_workflow_from_template(
        self, info: Info, template_id: strawberry.ID, name: str
    ) -> CreateWorkflowFromTemplateResult:
        return await run(
            _by_id(template_id, lambda wid: workflows.create_workflow_from_template(
                info.context.actor, wid, name)),
            Workflow.from_row, workflow_not_found(template_id),
        )

    @strawberry.mutation
    async def rotate_webhook_token(
        self, info: Info, workflow_id: strawberry.ID
    ) -> RotateWebhookTokenResult:
        """A new webhook URL for callers who may change the workflow; the old one stops
        working at once."""
        return await run(
            _by_id(workflow_id, lambda wid: webhooks.rotate_workflow_webhook(
                info.context.actor, wid)),
            Workflow.from_row, workflow_not_found(workflow_id),
        )


def _by_id(
    id: strawberry.ID, call: Callable[[int], Awaitable[dict[str, Any]]]
) -> Callable[[], Awaitable[dict[str, Any]]]:
    """A call of `call(int id)`, or NotFound when `id` cannot name a row."""

    async def bound() -> dict[str, Any]:
        workflow_id = to_id(id)
        if workflow_id is None:
            raise missing(f"workflow {id}")
        return await call(workflow_id)

    return bound
