"""deployWorkflow, undeployWorkflow, pauseWorkflow: for those who may change the workflow (the
owner, a shared user, an admin). Each returns the workflow or a typed error; a deploy that did
not happen says why in `DeploymentFailed` (reason and every problem)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from domain import deployments
from domain.errors import DomainError, InvalidInput
from domain.spec.model import DeploymentSettings
from graphql_api.context import Info
from graphql_api.mutation_result import missing
from graphql_api.types.errors import Error, ErrorType, from_domain_error
from graphql_api.types.scalars import to_id
from graphql_api.types.workflow import Workflow
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

    def to_settings(self) -> DeploymentSettings:
        return deployments.parse_deployment_settings({
            "environment": self.environment_id, "cpu": self.cpu, "memory": self.memory,
            "disk": self.disk, "gpu": self.gpu, "gpuType": self.gpu_type,
        })


@strawberry.type
class DeploymentFailed(Error):
    """Nothing was deployed (or undeployed); the workflow kept its previous state."""

    reason: str = strawberry.field(description="MissingReference, EnvironmentNotReady, "
                                   "CustomImage, Forbidden, QuotaExceeded, Unreachable, ...")
    problems: list[str]
    retryable: bool


DeploymentResult = Workflow | DeploymentFailed | ErrorType
DeployWorkflowResult = Annotated[DeploymentResult, strawberry.union("DeployWorkflowResult")]
UndeployWorkflowResult = Annotated[DeploymentResult, strawberry.union("UndeployWorkflowResult")]
PauseWorkflowResult = Annotated[DeploymentResult, strawberry.union("PauseWorkflowResult")]
Call = Callable[[int], Awaitable[dict[str, Any]]]


async def _run(workflow_id: strawberry.ID, call: Call) -> DeploymentResult:
    try:
        wid = to_id(workflow_id)
        if wid is None:
            raise missing(f"workflow {workflow_id}")
        row = await call(wid)
    except deployments.DeploymentFailed as exc:
        return DeploymentFailed(message=str(exc), reason=exc.reason, problems=exc.problems,
                                retryable=exc.retryable)
    except DomainError as exc:
        return from_domain_error(exc, not_found=workflow_not_found(workflow_id))
    return Workflow.from_row(row)


def _settings(given: DeployWorkflowInput | None) -> DeploymentSettings | ErrorType | None:
    """The chosen settings, or InvalidInput with `settings.<field>` paths."""
    if given is None:
        return None
    try:
        return given.to_settings()
    except InvalidInput as exc:
        error = from_domain_error(exc, field_prefix="settings.")
        for item in getattr(error, "errors", []):
            item.field = item.field.replace("settings.environment", "settings.environmentId")
        return error


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
        chosen = _settings(settings)
        if chosen is not None and not isinstance(chosen, DeploymentSettings):
            return chosen

        async def call(wid: int) -> dict[str, Any]:
            return await deployments.deploy_workflow(
                actor, wid, chosen, force_redeploy=force_redeploy)

        return await _run(workflow_id, call)

    @strawberry.mutation
    async def undeploy_workflow(
        self, info: Info, workflow_id: strawberry.ID
    ) -> UndeployWorkflowResult:
        """Tear the workers down and clear the deployment fields (an active workflow pauses)."""
        actor = info.context.actor
        return await _run(workflow_id, lambda wid: deployments.undeploy_workflow(actor, wid))

    @strawberry.mutation
    async def pause_workflow(self, info: Info, workflow_id: strawberry.ID) -> PauseWorkflowResult:
        """Undeploy and set the status to paused; deploying again restores the settings."""
        actor = info.context.actor
        return await _run(workflow_id, lambda wid: deployments.pause_workflow(actor, wid))
