"""Dockerfile environments, built in the cluster: a ConfigMap with the Dockerfile and a kaniko
Job that builds it with the Flowplane layer added and pushes it to the configured registry.

Workers run `flowplane worker`, so every environment image must contain Flowplane. The user's
Dockerfile is kept as written; its last stage is named and a final stage installs Flowplane
from the base image on top of it (`/opt/flowplane`, see the root Dockerfile). The image tag is
a digest of the rendered Dockerfile: the same Dockerfile is built once, a changed one anew.
Builds run in their own namespace: the builder runs as root, which the workflow namespaces
(Pod Security "restricted") refuse.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

import kr8s.asyncio
from kr8s.asyncio import Api

from deploy._client import KubeClient
from deploy.errors import TemporaryDeployError
from deploy.kubernetes import IN_CLUSTER, ApiFactory, connect
from deploy.manifests import MANAGED_BY, labels_for

BUILD_NAMESPACE = "fp-builds"
ENVIRONMENT_ID = "flowplane.io/environment-id"
Manifest = dict[str, Any]  # Any: Kubernetes objects are free-form JSON
BuildState = Literal["building", "ready", "failed"]
_FROM = re.compile(r"^[ \t]*FROM[ \t]+(?:--\S+[ \t]+)*\S+(?:[ \t]+AS[ \t]+(?P<stage>\S+))?[ \t]*$",
                   re.I | re.M)
FLOWPLANE_LAYER = """
# Added by Flowplane: workers run `flowplane worker`.
FROM {base_image} AS flowplane-source
FROM {stage}
COPY --from=flowplane-source /opt/flowplane /opt/flowplane
RUN pip install --no-cache-dir /opt/flowplane
ENTRYPOINT ["flowplane"]
"""


@dataclass(frozen=True)
class BuildRequest:
    organization_id: int
    organization_slug: str
    environment_id: int
    environment_name: str
    dockerfile: str
    base_image: str
    registry: str
    builder_image: str
    push_secret: str | None = None  # a docker config Secret in the builds namespace


@dataclass(frozen=True)
class BuildHandle:
    namespace: str
    name: str
    image: str


@dataclass(frozen=True)
class BuildStatus:
    state: BuildState
    message: str = ""


def with_flowplane_layer(dockerfile: str, base_image: str) -> str:
    """The Dockerfile that is built: the user's, plus a stage installing Flowplane."""
    stages = list(_FROM.finditer(dockerfile))
    if not stages:
        raise ValueError("the Dockerfile has no FROM instruction")
    last = stages[-1]
    stage = last["stage"]
    if stage is None:
        stage = "environment"
        dockerfile = f"{dockerfile[: last.end()]} AS {stage}{dockerfile[last.end():]}"
    layer = FLOWPLANE_LAYER.format(base_image=base_image, stage=stage)
    return dockerfile.rstrip("\n") + "\n" + layer


def python_dockerfile(base_image: str, packages: list[str], *, source_builds: bool) -> str:
    """A Dockerfile installing `packages` on `base_image`: the exec form of RUN passes each
    requirement to pip as one argument, never through a shell."""
    wheels = [] if source_builds else ["--only-binary", ":all:"]
    argv = ["pip", "install", "--no-cache-dir", "--no-input", *wheels, "--", *packages]
    return (f"# Rendered by Flowplane from the environment's python packages.\n"
            f"FROM {base_image}\nRUN {json.dumps(argv)}\n")


def build_handle_for(req: BuildRequest) -> BuildHandle:
    rendered = with_flowplane_layer(req.dockerfile, req.base_image)
    digest = hashlib.sha256(rendered.encode()).hexdigest()[:12]
    image = f"{req.registry.rstrip('/')}/{req.organization_slug}/{req.environment_name}:{digest}"
    return BuildHandle(BUILD_NAMESPACE, f"env-{req.environment_id}-{digest}", image)


def render_build(req: BuildRequest) -> list[Manifest]:
    """Namespace, ConfigMap (the Dockerfile) and Job; the builder applies the Job before the
    ConfigMap, which it makes the Job's dependent."""
    handle = build_handle_for(req)
    labels = labels_for(req.organization_id) | {ENVIRONMENT_ID: str(req.environment_id)}
    meta = {"name": handle.name, "namespace": handle.namespace, "labels": labels}
    namespace = {
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": handle.namespace, "labels": {
            MANAGED_BY: "flowplane", "pod-security.kubernetes.io/enforce": "baseline"}},
    }
    config = {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
        "data": {"Dockerfile": with_flowplane_layer(req.dockerfile, req.base_image)},
    }
    job = {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": meta,
        "spec": {
            "backoffLimit": 1,
            "activeDeadlineSeconds": 3600,
            "ttlSecondsAfterFinished": 86400,
            "template": {"metadata": {"labels": labels}, "spec": _pod(req, handle)},
        },
    }
    return [namespace, config, job]


def _pod(req: BuildRequest, handle: BuildHandle) -> Manifest:
    mounts = [{"name": "context", "mountPath": "/workspace"}]
    volumes: list[Manifest] = [{"name": "context", "configMap": {"name": handle.name}}]
    if req.push_secret:
        mounts.append({"name": "push", "mountPath": "/kaniko/.docker"})
        volumes.append({"name": "push", "secret": {
            "secretName": req.push_secret,
            "items": [{"key": ".dockerconfigjson", "path": "config.json"}]}})
    container = {
        "name": "build",
        "image": req.builder_image,
        "args": ["--dockerfile=/workspace/Dockerfile", "--context=dir:///workspace",
                 f"--destination={handle.image}"],
        "volumeMounts": mounts,
        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"},
                      "limits": {"memory": "4Gi", "ephemeral-storage": "20Gi"}},
    }
    return {"restartPolicy": "Never", "automountServiceAccountToken": False,
            "containers": [container], "volumes": volumes}


def owner_reference(owner: Manifest) -> Manifest:
    """A reference that makes the garbage collector delete the dependent with `owner`. No
    `blockOwnerDeletion`: it would need update rights on the owner's finalizers."""
    meta = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"],
            "uid": meta["uid"]}


def job_status(job: Manifest | None) -> BuildStatus:
    if job is None:
        return BuildStatus("failed", "the build Job does not exist (deleted or expired)")
    for condition in job.get("status", {}).get("conditions") or []:
        if condition.get("status") != "True":
            continue
        if condition.get("type") == "Complete":
            return BuildStatus("ready")
        if condition.get("type") == "Failed":
            return BuildStatus("failed", str(condition.get("message") or condition.get("reason")))
    return BuildStatus("building")


class KubernetesImageBuilder:
    """Starts and observes environment builds; both are safe to repeat."""

    def __init__(self, api_factory: ApiFactory, field_manager: str = "flowplane") -> None:
        self._api_factory = api_factory
        self._field_manager = field_manager
        self._kube: KubeClient | None = None

    async def start(self, req: BuildRequest) -> BuildHandle:
        """Apply the Job, then its ConfigMap owned by it (the garbage collector deletes the
        ConfigMap with the Job: `ttlSecondsAfterFinished`, or a newer build replacing it)."""
        kube = await self._client()
        namespace, config, job = render_build(req)
        handle = build_handle_for(req)
        await kube.apply(namespace)
        await kube.apply(job)
        live = await kube.get("Job", handle.namespace, handle.name)
        if live is None:  # deleted between our two requests: the next start applies anew
            raise TemporaryDeployError("NotFound", f"build Job {handle.name} vanished")
        config["metadata"]["ownerReferences"] = [owner_reference(live)]
        await kube.apply(config)
        await self._remove_superseded(kube, req.environment_id, keep=handle.name)
        return handle

    async def _remove_superseded(self, kube: KubeClient, environment_id: int, keep: str) -> None:
        """Earlier builds of the environment: their Jobs go, their pods and ConfigMaps with
        them (owner references, background propagation)."""
        selector = f"{MANAGED_BY}=flowplane,{ENVIRONMENT_ID}={environment_id}"
        for job in await kube.list("Job", BUILD_NAMESPACE, selector):
            if job["metadata"]["name"] != keep:
                await kube.delete("Job", BUILD_NAMESPACE, job["metadata"]["name"])

    async def status(self, handle: BuildHandle) -> BuildStatus:
        kube = await self._client()
        return job_status(await kube.get("Job", handle.namespace, handle.name))

    async def _client(self) -> KubeClient:
        if self._kube is None:
            self._kube = KubeClient(await connect(self._api_factory), self._field_manager)
        return self._kube


def kubernetes_builder_from_config(kubeconfig: str | None) -> KubernetesImageBuilder:
    """A builder for the cluster of `kubeconfig` (None / "in-cluster": the service account)."""
    path = None if kubeconfig in (None, "", IN_CLUSTER) else kubeconfig

    async def factory() -> Api:
        return await kr8s.asyncio.api(kubeconfig=path)

    return KubernetesImageBuilder(factory)
