"""What `domain` hands to a provisioner and what it gets back; no I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from deploy.autoscale import Autoscale

Phase = Literal["PROGRESSING", "AVAILABLE", "FAILED"]


@dataclass(frozen=True)
class DeploymentRequest:
    """Everything needed to run one workflow's workers; validated by `domain` beforehand.

    `services` is the STRONGLY_SERVICES document (may hold resolved secret values) and `env`
    holds extra worker variables (DATABASE_URL, REDIS_URL, ...): both only ever reach the
    cluster inside a Secret. `secret_refs` maps worker variables to (Secret, key) of the
    organization's own Secrets (`{k8sSecret}` references), wired with `secretKeyRef` and never
    read by the platform. `namespace` overrides the per-organization default. `autoscale`
    None: one worker replica; else a KEDA ScaledObject scales them (`deploy.autoscale`).
    """

    organization_id: int
    organization_slug: str
    workflow_id: int
    workflow_name: str
    queue_name: str
    image: str
    cpu: float
    memory: str
    disk: str
    gpu: int
    gpu_type: str | None
    services: dict[str, Any] = field(default_factory=dict)  # Any: free-form JSON document
    env: dict[str, str] = field(default_factory=dict)
    secret_refs: dict[str, tuple[str, str]] = field(default_factory=dict)
    namespace: str | None = None
    # The organization namespace's NetworkPolicy (deploy.network_policy): CIDRs the operator
    # allowed the organization's nodes, and the namespace Flowplane itself runs in.
    egress_cidrs: tuple[str, ...] = ()
    platform_namespace: str = "flowplane"
    autoscale: Autoscale | None = None
    # Keys the pod template's `flowplane.io/secret-checksum` (an HMAC of the Secret's data),
    # so the annotation changes with the data but tells a reader of Deployments nothing.
    checksum_key: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class DeploymentHandle:
    """Where a workflow's workers live: store both as deploymentNamespace/deploymentName."""

    namespace: str
    name: str
    # Whether the provisioner applied `req.autoscale` (the local one never does).
    autoscaled: bool = False


@dataclass(frozen=True)
class DeploymentStatus:
    """The observed state of a deployment. `reason` is set when `phase` is FAILED, and may be
    while PROGRESSING (what it waits on, e.g. "Unschedulable")."""

    phase: Phase
    pod_name: str | None = None
    reason: str | None = None
    message: str | None = None


class Provisioner(Protocol):
    """Provisions the workers of a workflow. Every method is safe to repeat.

    Failures raise `deploy.errors.PermanentDeployError` or `TemporaryDeployError`.
    """

    async def deploy(self, req: DeploymentRequest) -> DeploymentHandle:
        """Apply the workflow's objects; a failure half-way removes what this call created."""
        ...

    async def undeploy(self, namespace: str, workflow_id: int) -> None:
        """Remove everything owned by the workflow in `namespace`; nothing there is fine."""
        ...

    async def status(self, handle: DeploymentHandle) -> DeploymentStatus:
        """Observe the deployment once."""
        ...

    # The timeout is part of the result (FAILED "Timeout"), not a cancellation: hence no
    # asyncio.timeout() at the call site.
    async def wait(self, handle: DeploymentHandle, timeout: float) -> DeploymentStatus:  # noqa: ASYNC109
        """Observe until AVAILABLE or FAILED; FAILED with reason "Timeout" after `timeout` s."""
        ...
