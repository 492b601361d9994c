"""The Kubernetes provisioner: a namespace per organization, a worker Deployment and a Secret
per workflow, applied with server-side apply through kr8s' low-level API.

Why server-side apply and not create-or-patch: one idempotent request per object, the API
server creates what is missing (HTTP 201) and removes fields we stopped sending (e.g. the GPU
node selector after switching to CPU), which a merge patch would keep. Namespaces are never
deleted: they are shared by the organization's workflows and may hold objects we do not own.

Autoscaled workflows also get a KEDA ScaledObject (`deploy.autoscale`); it is deleted like the
workflow's other objects when autoscale is turned off or the workflow undeployed. KEDA is a
CRD a cluster may lack: an autoscaled deploy there fails with reason AutoscalerMissing before
anything is applied, and teardown skips the kind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import TYPE_CHECKING

import httpx
import kr8s.asyncio
from kr8s.asyncio import Api

from deploy._client import KubeClient, Obj
from deploy._status import deployment_status
from deploy.errors import DeployError, PermanentDeployError, TemporaryDeployError
from deploy.manifests import (
    DEFAULT_GPU_LABEL,
    MANAGED_BY,
    WORKFLOW_ID,
    render,
    selector_for,
    workload_of,
)
from deploy.model import DeploymentHandle, DeploymentRequest, DeploymentStatus, Provisioner

logger = logging.getLogger(__name__)

ApiFactory = Callable[[], Awaitable[Api]]
# What undeploy removes, in this order (the autoscaler first: it would scale what goes next).
OWNED_KINDS = ("ScaledObject", "Deployment", "Secret")
OPTIONAL_KINDS = ("ScaledObject",)  # CRDs: skipped where the cluster does not have them
SHARED_KINDS = ("Namespace", "NetworkPolicy")  # the organization's, kept across its workflows
IN_CLUSTER = "in-cluster"


class KubernetesProvisioner:
    """Implements `deploy.model.Provisioner` against one cluster."""

    def __init__(
        self,
        api_factory: ApiFactory,
        *,
        gpu_label_key: str = DEFAULT_GPU_LABEL,
        field_manager: str = "flowplane",
        poll_interval: float = 2.0,
    ) -> None:
        self._api_factory = api_factory
        self._gpu_label_key = gpu_label_key
        self._field_manager = field_manager
        self._poll_interval = poll_interval
        self._kube: KubeClient | None = None

    async def deploy(self, req: DeploymentRequest) -> DeploymentHandle:
        objects = render(req, gpu_label_key=self._gpu_label_key)
        kube = await self._client()
        kinds = await _owned_kinds(kube)
        if req.autoscale is not None and "ScaledObject" not in kinds:
            raise PermanentDeployError(
                "AutoscalerMissing", "autoscale needs KEDA (https://keda.sh), and this cluster "
                "has no ScaledObject resource (keda.sh/v1alpha1): install KEDA or deploy "
                "without autoscale")
        workload = workload_of(objects)["metadata"]
        created: list[Obj] = []
        try:
            for obj in objects:
                # The namespace and its NetworkPolicy belong to the organization: kept.
                if await kube.apply(obj) and obj["kind"] not in SHARED_KINDS:
                    created.append(obj)
            await self._prune_stale(kube, objects, kinds)
        except DeployError:
            await _delete_quietly(kube, reversed(created))
            raise
        return DeploymentHandle(namespace=workload["namespace"], name=workload["name"],
                                autoscaled=req.autoscale is not None)

    async def undeploy(self, namespace: str, workflow_id: int) -> None:
        kube = await self._client()
        for kind in await _owned_kinds(kube):
            for obj in await kube.list(kind, namespace, selector_for(workflow_id)):
                await kube.delete(kind, namespace, obj["metadata"]["name"])

    async def status(self, handle: DeploymentHandle) -> DeploymentStatus:
        kube = await self._client()
        deployment = await kube.get("Deployment", handle.namespace, handle.name)
        if deployment is None:
            message = f"Deployment {handle.namespace}/{handle.name} does not exist"
            return DeploymentStatus("FAILED", reason="NotFound", message=message)
        selector = _selector_of(deployment)
        replicasets = await kube.list("ReplicaSet", handle.namespace, selector)
        pods = await kube.list("Pod", handle.namespace, selector)
        return deployment_status(deployment, replicasets, pods)

    async def changes(self) -> AsyncIterator[int]:
        """Ids of workflows whose Deployment or pods changed, as the cluster reports them (a
        watch of each kind in every namespace, starting with every current object). Ends
        when a watch ends or fails (the failure is raised): call it again."""
        kube = await self._client()
        queue: asyncio.Queue[int | None] = asyncio.Queue()

        async def pump(kind: str) -> None:
            try:
                async for obj in kube.watch(kind, f"{MANAGED_BY}=flowplane"):
                    workflow_id = obj.get("metadata", {}).get("labels", {}).get(WORKFLOW_ID, "")
                    if workflow_id.isdigit():
                        queue.put_nowait(int(workflow_id))
            finally:
                queue.put_nowait(None)

        pumps = [asyncio.create_task(pump(kind)) for kind in ("Deployment", "Pod")]
        try:
            while (workflow_id := await queue.get()) is not None:
                yield workflow_id
        finally:
            for task in pumps:
                task.cancel()
            outcomes = await asyncio.gather(*pumps, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, DeployError):
                raise outcome

    async def wait(self, handle: DeploymentHandle, timeout: float) -> DeploymentStatus:  # noqa: ASYNC109
        """Poll `status()`; temporary API failures count as "still progressing"."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last = "no status observed yet"
        while True:
            try:
                current = await self.status(handle)
                if current.phase != "PROGRESSING":
                    return current
                last = current.message or last
            except TemporaryDeployError as error:
                last = error.message
            remaining = deadline - loop.time()
            if remaining <= 0:
                message = f"not available after {timeout:g}s: {last}"
                return DeploymentStatus("FAILED", reason="Timeout", message=message)
            await asyncio.sleep(min(self._poll_interval, remaining))

    async def _client(self) -> KubeClient:
        if self._kube is None:
            self._kube = KubeClient(await connect(self._api_factory), self._field_manager)
        return self._kube

    async def _prune_stale(self, kube: KubeClient, objects: list[Obj],
                           kinds: tuple[str, ...]) -> None:
        """Delete the workflow's objects not rendered now: left under an old name (the
        workflow was renamed), or a ScaledObject once autoscale is off."""
        workload = workload_of(objects)["metadata"]
        namespace = workload["namespace"]
        workflow_id = int(workload["labels"][WORKFLOW_ID])
        keep = {(obj["kind"], obj["metadata"]["name"]) for obj in objects}
        for kind in kinds:
            for obj in await kube.list(kind, namespace, selector_for(workflow_id)):
                if (kind, obj["metadata"]["name"]) not in keep:
                    await kube.delete(kind, namespace, obj["metadata"]["name"])


def kubernetes_provisioner_from_config(
    kubeconfig: str | None,
    *,
    gpu_label_key: str = DEFAULT_GPU_LABEL,
    poll_interval: float = 2.0,
) -> KubernetesProvisioner:
    """A provisioner for the cluster of `kubeconfig`. None (or "in-cluster", the spelling of
    the FLOWPLANE_KUBECONFIG setting) means the pod's service account; as with kubectl,
    $KUBECONFIG or ~/.kube/config win when present."""
    path = None if kubeconfig in (None, "", IN_CLUSTER) else kubeconfig

    async def factory() -> Api:
        return await kr8s.asyncio.api(kubeconfig=path)

    return KubernetesProvisioner(factory, gpu_label_key=gpu_label_key, poll_interval=poll_interval)


async def connect(factory: ApiFactory) -> Api:
    """The kr8s API from `factory`; an unreachable or unconfigured cluster is a DeployError."""
    try:
        return await factory()
    except (httpx.TransportError, OSError) as error:
        raise TemporaryDeployError("Unreachable", f"cannot reach the cluster: {error!r}") from error
    except ValueError as error:  # kr8s: "Unable to find valid credentials"
        raise PermanentDeployError("Unconfigured", f"no cluster credentials: {error}") from error


async def _owned_kinds(kube: KubeClient) -> tuple[str, ...]:
    """OWNED_KINDS that the cluster has (an optional CRD may not be installed)."""
    missing = {kind for kind in OPTIONAL_KINDS if not await kube.serves(kind)}
    return tuple(kind for kind in OWNED_KINDS if kind not in missing)


def _selector_of(deployment: Obj) -> str:
    labels = deployment.get("spec", {}).get("selector", {}).get("matchLabels", {})
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


async def _delete_quietly(kube: KubeClient, objects: Iterable[Obj]) -> None:
    """Roll back a half-done deploy; a failing rollback is logged, the original error wins."""
    for obj in objects:
        meta = obj["metadata"]
        try:
            await kube.delete(obj["kind"], meta.get("namespace"), meta["name"])
        except DeployError as error:
            logger.warning("rollback: could not delete %s %s: %s", obj["kind"], meta["name"], error)


if TYPE_CHECKING:  # mypy proves the class satisfies the protocol `domain` codes against

    def _is_provisioner(provisioner: KubernetesProvisioner) -> Provisioner:
        return provisioner
