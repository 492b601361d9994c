"""deployWorkflow, undeployWorkflow, pauseWorkflow: for those who may change the workflow (the
owner, a shared user, an admin). Each returns the workflow or one of the errors its union
lists; a deploy that did not happen says why in `DeploymentFailed` (reason and every
problem)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from domain import deployments
from domain.errors import InvalidInput as InvalidSettings
from domain.rows import WorkflowRow
from domain.spec.errors import SpecError
from domain.spec.model import DeploymentSettings
from graphql_api.context import Info
from graphql_api.mutation_result import run
from graphql_api.types.errors import (
    DeploymentFailed,
    Forbidden,
    GitManaged,
    InvalidInput,
    WorkflowNotFound,
)
from graphql_api.types.ids import decode_id
from graphql_api.types.workflow import Workflow
from graphql_api.workflows.inputs import AutoscaleInput
from graphql_api.workflows.queries import workflow_not_found


@strawberry.input
class DeployWorkflowInput:
    """Where and how big the workers are (the seed's deployment settings)."""

    environment_id: str = "custom"
    cpu: float = 0.5
    memory: str = "1Gi"
    disk: str = "5Gi"
    gpu: int = 0
    gpu_type: str | None = None
    autoscale: AutoscaleInput | None = strawberry.field(default=None, description=(
        "Scale the workers on the queue depth between min (0: none while idle; the first "
        "execution waits for one) and max (at most the operator's limit). Null: one fixed "
        "worker. Needs KEDA in the cluster; local deployments run one worker and warn."))

    def to_settings(self) -> DeploymentSettings:
        """The settings; InvalidInput with `settings.<field>` paths."""
        data: dict[str, Any] = {
            "environment": self.environment_id, "cpu": self.cpu, "memory": self.memory,
            "disk": self.disk, "gpu": self.gpu, "gpuType": self.gpu_type,
        }
        if self.autoscale is not None:
            data["autoscale"] = {"min": self.autoscale.min, "max": self.autoscale.max}
        try:
            return deployments.parse_deployment_settings(data)
        except InvalidSettings as exc:
            raise InvalidSettings(str(exc), [_renamed(item) for item in exc.errors]) from None


def _renamed(item: object) -> object:
    """A settings error with the argument's path (the input calls `environment`
    `environmentId`)."""
    if not isinstance(item, SpecError):
        return item
    field = item.field.replace("environment", "environmentId")
    return dataclasses.replace(item, field=f"settings.{field}" if field else "settings")


DeploymentResult = (
    Workflow | WorkflowNotFound | Forbidden | GitManaged | DeploymentFailed | InvalidInput
)
DeployWorkflowResult = Annotated[DeploymentResult, strawberry.union("DeployWorkflowResult")]
UndeployWorkflowResult = Annotated[DeploymentResult, strawberry.union("UndeployWorkflowResult")]
PauseWorkflowResult = Annotated[DeploymentResult, strawberry.union("PauseWorkflowResult")]


async def _on_workflow(result: Any, workflow_id: strawberry.ID,
                       call: Callable[[int], Awaitable[WorkflowRow]]) -> Any:  # Any: the union
    async def bound() -> WorkflowRow:
        return await call(decode_id(workflow_id, "Workflow", "workflowId"))

    return await run(result, bound, Workflow.from_row, not_found=workflow_not_found(workflow_id))


@strawberry.type
class DeploymentMutations:
    @strawberry.mutation
    async def deploy_workflow(
        self, info: Info, workflow_id: strawberry.ID,
        settings: DeployWorkflowInput | None = None, force_redeploy: bool = False,
    ) -> DeployWorkflowResult:
        """Provision the workflow's workers and make it active (phase PROGRESSING, then
        AVAILABLE or FAILED on `workflowUpdated`). Without settings it deploys with the kept
        deploymentSettings; with forceRedeploy an existing deployment is removed first."""
        actor = info.context.actor

        async def call(wid: int) -> WorkflowRow:
            chosen = None if settings is None else settings.to_settings()
            return await deployments.deploy_workflow(
                actor, wid, chosen, force_redeploy=force_redeploy)

        result: DeployWorkflowResult = await _on_workflow(DeployWorkflowResult, workflow_id, call)
        return result

    @strawberry.mutation
    async def undeploy_workflow(
        self, info: Info, workflow_id: strawberry.ID
    ) -> UndeployWorkflowResult:
        """Tear the workers down and clear the deployment fields (an active workflow pauses)."""
        actor = info.context.actor
        result: UndeployWorkflowResult = await _on_workflow(
            UndeployWorkflowResult, workflow_id,
            lambda wid: deployments.undeploy_workflow(actor, wid))
        return result

    @strawberry.mutation
    async def pause_workflow(self, info: Info, workflow_id: strawberry.ID) -> PauseWorkflowResult:
        """Undeploy and set the status to paused; deploying again restores the settings."""
        actor = info.context.actor
        result: PauseWorkflowResult = await _on_workflow(
            PauseWorkflowResult, workflow_id, lambda wid: deployments.pause_workflow(actor, wid))
        return result
