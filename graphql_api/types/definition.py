"""The typed parts of a workflow definition: nodes, connections, trigger, settings."""

from __future__ import annotations

from typing import Any

import strawberry

from graphql_api.types.enums import EdgeKind, TriggerType, enum_or
from graphql_api.types.scalars import JSON

Json = dict[str, Any]  # Any: JSON values


DEPRECATED_MOUNT = ("A file under FLOWPLANE_SECRETS_DIR, going in the next release: use "
                    "`secret` (the organization's secret store) or `k8sSecretName` + "
                    "`k8sSecretKey`.")


@strawberry.type
class SecretRef:
    """Where a credential lives; the value itself is never stored or returned. Exactly one
    of: `secret` (the organization's secret store), `k8sSecretName` + `k8sSecretKey` (a
    Secret in the organization's namespace), `env` or `file` (where the operator allows)."""

    secret: str | None = strawberry.field(
        default=None, description="The name of a secret in the organization's store.")
    k8s_secret_name: str | None = None
    k8s_secret_key: str | None = None
    env: str | None = None
    file: str | None = None
    secret_name: str | None = strawberry.field(default=None,
                                               deprecation_reason=DEPRECATED_MOUNT)
    secret_key: str | None = strawberry.field(default=None, deprecation_reason=DEPRECATED_MOUNT)

    @classmethod
    def from_json(cls, ref: Json | None) -> SecretRef | None:
        if not ref:
            return None
        secret, k8s = ref.get("secret"), ref.get("k8sSecret") or {}
        mounted = secret if isinstance(secret, dict) else {}
        return cls(secret=secret if isinstance(secret, str) else None,
                   k8s_secret_name=k8s.get("name"), k8s_secret_key=k8s.get("key"),
                   env=ref.get("env"), file=ref.get("file"),
                   secret_name=mounted.get("name"), secret_key=mounted.get("key"))


@strawberry.type
class RetryPolicy:
    max_attempts: int
    backoff_seconds: float


@strawberry.type
class WorkflowNode:
    id: str
    type: str
    params: JSON
    data_source: str | None
    model: str | None
    add_on: str | None
    retry: RetryPolicy | None

    @classmethod
    def from_json(cls, node: Json) -> WorkflowNode:
        retry = node.get("retry")
        return cls(
            id=str(node.get("id", "")), type=str(node.get("type", "")),
            params=JSON(node.get("params") or {}), data_source=node.get("dataSource"),
            model=node.get("model"), add_on=node.get("addOn"),
            retry=None if not retry else RetryPolicy(
                max_attempts=int(retry.get("maxAttempts", 3)),
                backoff_seconds=float(retry.get("backoffSeconds", 1.0)),
            ),
        )


@strawberry.type(name="Connection")
class NodeConnection:
    """An edge of the node graph (not a page of a list)."""

    from_: str = strawberry.field(name="from")
    to: str
    on: EdgeKind

    @classmethod
    def from_json(cls, edge: Json) -> NodeConnection:
        return cls(from_=str(edge.get("from", "")), to=str(edge.get("to", "")),
                   on=enum_or(EdgeKind, edge.get("on", "success"), EdgeKind.SUCCESS))


@strawberry.type
class Trigger:
    type: TriggerType
    cron: str | None
    timezone: str
    secret_ref: SecretRef | None

    @classmethod
    def from_json(cls, trigger: Json) -> Trigger:
        return cls(
            type=enum_or(TriggerType, trigger.get("type"), TriggerType.MANUAL),
            cron=trigger.get("cron"), timezone=trigger.get("timezone", "UTC"),
            secret_ref=SecretRef.from_json(trigger.get("secretRef")),
        )


@strawberry.type
class WorkflowSettings:
    max_attempts: int
    timeout_seconds: int | None
    node_timeout_seconds: int | None
    concurrency: int | None

    @classmethod
    def from_json(cls, settings: Json) -> WorkflowSettings:
        return cls(
            max_attempts=int(settings.get("maxAttempts", 3)),
            timeout_seconds=settings.get("timeoutSeconds"),
            node_timeout_seconds=settings.get("nodeTimeoutSeconds"),
            concurrency=settings.get("concurrency"),
        )


@strawberry.type
class Autoscale:
    """Worker replicas follow the workflow's queue depth between min and max."""

    min: int
    max: int

    @classmethod
    def from_json(cls, autoscale: Json | None) -> Autoscale | None:
        if not autoscale:
            return None
        return cls(min=int(autoscale["min"]), max=int(autoscale["max"]))


@strawberry.type
class DeploymentSettings:
    """Requested resources; memory and disk are Kubernetes quantities (`1Gi`)."""

    environment: str
    cpu: float
    memory: str
    disk: str
    gpu: int
    gpu_type: str | None
    autoscale: Autoscale | None = strawberry.field(
        description="Null: one fixed worker (the default).")

    @classmethod
    def from_json(cls, deployment: Json | None) -> DeploymentSettings | None:
        if deployment is None:
            return None
        return cls(
            environment=deployment.get("environment", "custom"),
            cpu=float(deployment.get("cpu", 0.5)), memory=deployment.get("memory", "1Gi"),
            disk=deployment.get("disk", "5Gi"), gpu=int(deployment.get("gpu", 0)),
            gpu_type=deployment.get("gpuType"),
            autoscale=Autoscale.from_json(deployment.get("autoscale")),
        )
