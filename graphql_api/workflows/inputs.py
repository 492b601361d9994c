"""Inputs of the workflow mutations; definitions are validated by `domain.spec` like YAML."""

from __future__ import annotations

from typing import Any

import strawberry

from graphql_api.types.definition import DEPRECATED_MOUNT
from graphql_api.types.enums import EdgeKind, TriggerType
from graphql_api.types.scalars import JSON


@strawberry.input
class SecretRefInput:
    """Exactly one of: secret (a name in the organization's secret store), k8sSecretName +
    k8sSecretKey (a Secret in the organization's namespace), env or file (only where the
    operator allows them for the organization)."""

    secret: str | None = None
    k8s_secret_name: str | None = None
    k8s_secret_key: str | None = None
    env: str | None = None
    file: str | None = None
    secret_name: str | None = strawberry.field(default=None,
                                               deprecation_reason=DEPRECATED_MOUNT)
    secret_key: str | None = strawberry.field(default=None, deprecation_reason=DEPRECATED_MOUNT)

    def to_json(self) -> dict[str, Any]:
        """The reference as the spec writes it; several forms at once stay several, so the
        spec's validation reports them."""
        ref: dict[str, Any] = {k: v for k, v in (("env", self.env), ("file", self.file),
                                                  ("secret", self.secret)) if v is not None}
        if self.k8s_secret_name is not None or self.k8s_secret_key is not None:
            ref["k8sSecret"] = {"name": self.k8s_secret_name, "key": self.k8s_secret_key}
        if self.secret_name is not None or self.secret_key is not None:
            mounted = {"name": self.secret_name, "key": self.secret_key}
            ref["secret" if "secret" not in ref else "secretName"] = mounted
        return ref


@strawberry.input
class RetryPolicyInput:
    max_attempts: int | None = None
    backoff_seconds: float | None = None


@strawberry.input
class WorkflowNodeInput:
    id: str
    type: str
    params: JSON | None = None
    data_source: str | None = None
    model: str | None = None
    add_on: str | None = None
    retry: RetryPolicyInput | None = None


@strawberry.input
class ConnectionInput:
    from_: str = strawberry.field(name="from")
    to: str
    on: EdgeKind = EdgeKind.SUCCESS


@strawberry.input
class TriggerInput:
    type: TriggerType = TriggerType.MANUAL
    cron: str | None = None
    timezone: str | None = None
    secret_ref: SecretRefInput | None = None


@strawberry.input
class WorkflowSettingsInput:
    max_attempts: int | None = None
    timeout_seconds: int | None = None
    node_timeout_seconds: int | None = None
    concurrency: int | None = None


@strawberry.input
class AutoscaleInput:
    """Worker replicas between min (0 allowed: none while idle) and max, on the queue depth."""

    min: int
    max: int


@strawberry.input
class DeploymentSettingsInput:
    environment: str | None = None
    cpu: float | None = None
    memory: str | None = None
    disk: str | None = None
    gpu: int | None = None
    gpu_type: str | None = None
    autoscale: AutoscaleInput | None = strawberry.field(
        default=None, description="Leave out (or null) for one fixed worker, the default.")


@strawberry.input
class DefinitionFields:
    """The versioned part of a workflow; every field left out keeps its value (or default)."""

    description: str | None = None
    tags: list[str] | None = None
    trigger: TriggerInput | None = None
    settings: WorkflowSettingsInput | None = None
    deployment: DeploymentSettingsInput | None = None
    nodes: list[WorkflowNodeInput] | None = None
    connections: list[ConnectionInput] | None = None


@strawberry.input
class CreateWorkflowInput(DefinitionFields):
    name: str
    is_public: bool = False
    shared_with: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateWorkflowInput(DefinitionFields):
    name: str | None = None
    is_public: bool | None = None
