"""Workflow mutations. Each returns the workflow or one of the errors its union lists."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from domain import redeploys, webhooks, workflow_removal, workflows
from domain.access import Actor
from domain.errors import InvalidInput as InvalidDefinition
from domain.rows import WorkflowRow
from domain.settings import get_settings
from domain.spec.definition import WorkflowDefinition, validate_definition
from graphql_api.context import Info
from graphql_api.mutation_result import run
from graphql_api.types.errors import (
    DeploymentFailed,
    Forbidden,
    GitManaged,
    InvalidInput,
    NameTaken,
    VersionConflict,
    WorkflowNotFound,
)
from graphql_api.types.ids import decode_id, decode_ids
from graphql_api.types.inputs import to_json
from graphql_api.types.workflow import Workflow
from graphql_api.workflows.inputs import CreateWorkflowInput, UpdateWorkflowInput
from graphql_api.workflows.queries import workflow_not_found

DEFINITION_KEYS = ("description", "tags", "trigger", "settings", "deployment", "nodes",
                   "connections")


def _union(name: str) -> Any:  # Any: a strawberry.union marker for Annotated
    return strawberry.union(name)


CreateWorkflowResult = Annotated[Workflow | NameTaken | InvalidInput,
                                 _union("CreateWorkflowResult")]
UpdateWorkflowResult = Annotated[
    Workflow | WorkflowNotFound | Forbidden | GitManaged | VersionConflict | NameTaken
    | InvalidInput, _union("UpdateWorkflowResult")]
ArchiveWorkflowResult = Annotated[
    Workflow | WorkflowNotFound | Forbidden | GitManaged | DeploymentFailed | InvalidInput,
    _union("ArchiveWorkflowResult")]
ShareWorkflowResult = Annotated[
    Workflow | WorkflowNotFound | Forbidden | GitManaged | InvalidInput,
    _union("ShareWorkflowResult")]
UnshareWorkflowResult = Annotated[
    Workflow | WorkflowNotFound | Forbidden | GitManaged | InvalidInput,
    _union("UnshareWorkflowResult")]
CloneWorkflowResult = Annotated[Workflow | WorkflowNotFound | NameTaken | InvalidInput,
                                _union("CloneWorkflowResult")]
CreateTemplateResult = Annotated[Workflow | WorkflowNotFound | NameTaken | InvalidInput,
                                 _union("CreateTemplateResult")]
CreateWorkflowFromTemplateResult = Annotated[
    Workflow | WorkflowNotFound | NameTaken | InvalidInput,
    _union("CreateWorkflowFromTemplateResult")]
RotateWebhookTokenResult = Annotated[Workflow | WorkflowNotFound | Forbidden | InvalidInput,
                                     _union("RotateWebhookTokenResult")]


@strawberry.type
class WorkflowDeleted:
    deleted_id: strawberry.ID = strawberry.field(description="The id the workflow had.")
    name: str


DeleteWorkflowResult = Annotated[
    WorkflowDeleted | WorkflowNotFound | Forbidden | GitManaged | DeploymentFailed
    | InvalidInput, _union("DeleteWorkflowResult")]


def _definition(data: dict[str, Any]) -> WorkflowDefinition:
    """Validate like a YAML file does; every problem with its field path."""
    definition, errors = validate_definition(data, get_settings().max_definition_bytes)
    if definition is None:
        message = errors[0].message if len(errors) == 1 else (
            f"the workflow definition has {len(errors)} problems"
        )
        raise InvalidDefinition(message, list(errors))
    return definition


def _given_definition(fields: Any) -> dict[str, Any]:  # Any: a DefinitionFields input
    data = to_json(fields)
    return {key: data[key] for key in DEFINITION_KEYS if key in data}


async def _update(actor: Actor, workflow_id: int, given: UpdateWorkflowInput,
                  expected_version: int | None) -> WorkflowRow:
    changes = _given_definition(given)
    definition = None
    if changes:
        current = await workflows.get_workflow(actor, workflow_id)
        definition = _definition({**workflows.stored_definition(current), **changes})
        # The merge is based on the version read here: a concurrent save is a conflict.
        expected_version = expected_version or current.version
    return await redeploys.update_workflow(
        actor, workflow_id, definition=definition, name=given.name, is_public=given.is_public,
        expected_version=expected_version,
    )


def _on_workflow(
    id: strawberry.ID, field: str, call: Callable[[int], Awaitable[WorkflowRow]]
) -> Callable[[], Awaitable[WorkflowRow]]:
    """`call(key)` for the workflow id given as argument `field` (InvalidId when it names
    no workflow)."""

    async def bound() -> WorkflowRow:
        return await call(decode_id(id, "Workflow", field))

    return bound


@strawberry.type
class WorkflowMutations:
    @strawberry.mutation
    async def create_workflow(self, info: Info, input: CreateWorkflowInput) -> CreateWorkflowResult:
        actor = info.context.actor

        async def call() -> WorkflowRow:
            shared = decode_ids(input.shared_with, "User", "input.sharedWith")
            return await workflows.create_workflow(
                actor, input.name, _definition(_given_definition(input)),
                is_public=input.is_public, shared_with=shared,
            )

        result: CreateWorkflowResult = await run(
            CreateWorkflowResult, call, Workflow.from_row, field_prefix="input.")
        return result

    @strawberry.mutation
    async def update_workflow(
        self, info: Info, id: strawberry.ID, input: UpdateWorkflowInput,
        expected_version: int | None = None,
    ) -> UpdateWorkflowResult:
        """Save changes; with expectedVersion, only if the workflow is still at that version."""
        actor = info.context.actor
        result: UpdateWorkflowResult = await run(
            UpdateWorkflowResult,
            _on_workflow(id, "id", lambda wid: _update(actor, wid, input, expected_version)),
            Workflow.from_row, not_found=workflow_not_found(id), field_prefix="input.")
        return result

    @strawberry.mutation
    async def delete_workflow(self, info: Info, id: strawberry.ID) -> DeleteWorkflowResult:
        """Undeploys, then removes the workflow with its history, executions and traces."""
        actor = info.context.actor
        result: DeleteWorkflowResult = await run(
            DeleteWorkflowResult,
            _on_workflow(id, "id", lambda wid: workflow_removal.delete_workflow(actor, wid)),
            lambda row: WorkflowDeleted(deleted_id=id, name=row.name),
            not_found=workflow_not_found(id))
        return result

    @strawberry.mutation
    async def archive_workflow(self, info: Info, id: strawberry.ID) -> ArchiveWorkflowResult:
        actor = info.context.actor
        result: ArchiveWorkflowResult = await run(
            ArchiveWorkflowResult,
            _on_workflow(id, "id", lambda wid: workflow_removal.archive_workflow(actor, wid)),
            Workflow.from_row, not_found=workflow_not_found(id))
        return result

    @strawberry.mutation
    async def share_workflow(
        self, info: Info, workflow_id: strawberry.ID, user_id: strawberry.ID
    ) -> ShareWorkflowResult:
        """Add a member of the organization to sharedWith (sharing twice keeps one entry)."""
        actor = info.context.actor

        async def share(wid: int) -> WorkflowRow:
            user = decode_id(user_id, "User", "userId")
            return await workflows.share_workflow(actor, wid, user)

        result: ShareWorkflowResult = await run(
            ShareWorkflowResult, _on_workflow(workflow_id, "workflowId", share), Workflow.from_row,
            not_found=workflow_not_found(workflow_id))
        return result

    @strawberry.mutation
    async def unshare_workflow(
        self, info: Info, workflow_id: strawberry.ID, user_id: strawberry.ID
    ) -> UnshareWorkflowResult:
        actor = info.context.actor

        async def unshare(wid: int) -> WorkflowRow:
            user = decode_id(user_id, "User", "userId")
            return await workflows.unshare_workflow(actor, wid, user)

        result: UnshareWorkflowResult = await run(
            UnshareWorkflowResult, _on_workflow(workflow_id, "workflowId", unshare),
            Workflow.from_row, not_found=workflow_not_found(workflow_id))
        return result

    @strawberry.mutation
    async def clone_workflow(
        self, info: Info, workflow_id: strawberry.ID, name: str
    ) -> CloneWorkflowResult:
        """An independent draft copy owned by the caller; nothing shared, no deployment."""
        actor = info.context.actor

        async def clone(wid: int) -> WorkflowRow:
            return await workflows.clone_workflow(actor, wid, name)

        result: CloneWorkflowResult = await run(
            CloneWorkflowResult, _on_workflow(workflow_id, "workflowId", clone),
            Workflow.from_row, not_found=workflow_not_found(workflow_id))
        return result

    @strawberry.mutation
    async def create_template(
        self, info: Info, workflow_id: strawberry.ID, name: str | None = None
    ) -> CreateTemplateResult:
        """A template (isTemplate) copied from the workflow; named `<name>-template` unless
        a name is given."""
        actor = info.context.actor

        async def template(wid: int) -> WorkflowRow:
            return await workflows.create_template(actor, wid, name)

        result: CreateTemplateResult = await run(
            CreateTemplateResult, _on_workflow(workflow_id, "workflowId", template),
            Workflow.from_row, not_found=workflow_not_found(workflow_id))
        return result

    @strawberry.mutation
    async def create_workflow_from_template(
        self, info: Info, template_id: strawberry.ID, name: str
    ) -> CreateWorkflowFromTemplateResult:
        actor = info.context.actor

        async def create(wid: int) -> WorkflowRow:
            return await workflows.create_workflow_from_template(actor, wid, name)

        result: CreateWorkflowFromTemplateResult = await run(
            CreateWorkflowFromTemplateResult, _on_workflow(template_id, "templateId", create),
            Workflow.from_row, not_found=workflow_not_found(template_id))
        return result

    @strawberry.mutation
    async def rotate_webhook_token(
        self, info: Info, workflow_id: strawberry.ID
    ) -> RotateWebhookTokenResult:
        """A new webhook URL for callers who may change the workflow; the old one stops
        working at once."""
        actor = info.context.actor

        async def rotate(wid: int) -> WorkflowRow:
            return await webhooks.rotate_workflow_webhook(actor, wid)

        result: RotateWebhookTokenResult = await run(
            RotateWebhookTokenResult, _on_workflow(workflow_id, "workflowId", rotate),
            Workflow.from_row, not_found=workflow_not_found(workflow_id))
        return result
