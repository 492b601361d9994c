"""Inputs of the workflow mutations; definitions are validated by `domain.spec` like YAML."""

from __future__ import annotations

from typing import Any

import strawberry

from graphql_api.types.enums import EdgeKind, TriggerType
from graphql_api.types.scalars import JSON


@strawberry.input
class SecretRefInput:
    """Exactly one of env, file or secretName + secretKey."""

    env: str | None = None
    file: str | None = None
    secret_name: str | None = None
    secret_key: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.secret_name is not None or self.secret_key is not None:
            return {"secret": {"name": self.secret_name, "key": self.secret_key}}
        return {k: v for k, v in (("env", self.env), ("file", self.file)) if v is not None}


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
class DeploymentSettingsInput:
    environment: str | None = None
    cpu: float | None = None
    memory: str | None = None
    disk: str | None = None
    gpu: int | None = None
    gpu_type: str | None = None


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
