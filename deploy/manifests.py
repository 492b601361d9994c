"""Pure rendering of the Kubernetes objects that run one workflow's workers.

Names are DNS-1123 labels and stable for the same input. Secret values (STRONGLY_SERVICES and
`req.env`) only ever go into the Secret; the Deployment refers to them with `secretKeyRef`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any

from deploy import autoscale
from deploy.errors import PermanentDeployError
from deploy.model import DeploymentRequest
from deploy.network_policy import network_policy

MANAGED_BY = "app.kubernetes.io/managed-by"
WORKFLOW_ID = "flowplane.io/workflow-id"
ORGANIZATION_ID = "flowplane.io/organization-id"
DEFAULT_GPU_LABEL = "nvidia.com/gpu.product"
GPU_RESOURCE = "nvidia.com/gpu"
SERVICES_KEY = "STRONGLY_SERVICES"
WORKER_UID = 10001  # the non-root user of the Flowplane image (see Dockerfile)
WORKER_METRICS_PORT = 9100  # FLOWPLANE_METRICS_PORT of every Flowplane pod but the API
# On an autoscaled Deployment: "<min>-<max>"; its replica count is KEDA's (deploy._status).
AUTOSCALE = "flowplane.io/autoscale"

_MAX_LABEL = 63
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
# One GPU per node must be enough to roll: a GPU worker is stopped before its replacement
# starts (no surge). Not `Recreate`: server-side apply keeps the API server's defaulted
# `rollingUpdate` block, which it then refuses next to type Recreate, so a CPU workflow
# moved to a GPU could never be applied. The strategy is always sent, so switching between
# CPU and GPU replaces all of it. CPU workers keep what the default gives one replica
# (surge 1, unavailable 0): the old worker serves until the new one is ready.
GPU_STRATEGY = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
CPU_STRATEGY = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}

Manifest = dict[str, Any]  # Any: Kubernetes objects are free-form JSON


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _dns_label(text: str, max_len: int) -> str:
    cleaned = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]+", "-", text.lower())).strip("-")
    return cleaned[:max_len].rstrip("-")


def namespace_for(organization_slug: str, prefix: str = "fp-") -> str:
    """The organization's namespace; a slug that needed cleaning gets a hash suffix."""
    room = _MAX_LABEL - len(prefix)
    base = _dns_label(organization_slug, room)
    if base and base == organization_slug:
        return prefix + base
    suffix = _digest(organization_slug)
    base = _dns_label(base, room - len(suffix) - 1)
    return f"{prefix}{base}-{suffix}" if base else f"{prefix}{suffix}"


def deployment_name_for(workflow_id: int, workflow_name: str) -> str:
    """`wf-<id>-<name>`: unique through the id, readable through the name, ≤ 63 chars."""
    head = f"wf-{workflow_id}"
    tail = _dns_label(workflow_name, _MAX_LABEL - len(head) - 1)
    return f"{head}-{tail}" if tail else head


def secret_name_for(deployment_name: str) -> str:
    return f"{deployment_name}-services"


def labels_for(organization_id: int, workflow_id: int | None = None) -> dict[str, str]:
    """Owner labels: every object Flowplane creates carries them (undeploy selects by them)."""
    labels = {MANAGED_BY: "flowplane", ORGANIZATION_ID: str(organization_id)}
    if workflow_id is not None:
        labels[WORKFLOW_ID] = str(workflow_id)
    return labels


def selector_for(workflow_id: int) -> str:
    """The label selector matching every object owned by the workflow."""
    return f"{MANAGED_BY}=flowplane,{WORKFLOW_ID}={workflow_id}"


def problems(req: DeploymentRequest) -> list[str]:
    """Everything wrong with a request that the cluster would reject (empty when fine)."""
    found = []
    if not req.image.strip():
        found.append("image is empty")
    if req.cpu <= 0:
        found.append(f"cpu must be > 0, got {req.cpu}")
    for name, value in (("memory", req.memory), ("disk", req.disk)):
        if not _QUANTITY.match(value):
            found.append(f"{name} {value!r} is not a Kubernetes quantity (e.g. 512Mi, 1Gi, 5G)")
    if req.gpu < 0:
        found.append(f"gpu must be >= 0, got {req.gpu}")
    if req.gpu_type and req.gpu == 0:
        found.append(f"gpuType {req.gpu_type!r} is set but gpu is 0")
    if req.gpu_type is not None and (len(req.gpu_type) > _MAX_LABEL
                                     or not _LABEL_VALUE.match(req.gpu_type)):
        found.append(f"gpuType {req.gpu_type!r} is not a Kubernetes label value")
    bad = [key for key in req.env if not _ENV_NAME.match(key) or key == SERVICES_KEY]
    found += [f"env name {key!r} is not allowed" for key in bad]
    if req.autoscale is not None:
        found += autoscale.problems(req.autoscale)
    return found


def render(req: DeploymentRequest, *, gpu_label_key: str = DEFAULT_GPU_LABEL) -> list[Manifest]:
    """Namespace, its NetworkPolicy, Secret, Deployment and (with `req.autoscale`) the KEDA
    ScaledObject for the request, in the order they must be applied."""
    errors = problems(req)
    if errors:
        raise PermanentDeployError("Invalid", "; ".join(errors))
    namespace = req.namespace or namespace_for(req.organization_slug)
    name = deployment_name_for(req.workflow_id, req.workflow_name)
    secret = _secret(req, namespace, secret_name_for(name))
    objects = [
        _namespace(req, namespace),
        network_policy(namespace, labels_for(req.organization_id), req.platform_namespace,
                       req.egress_cidrs),
        secret,
        _deployment(req, namespace, name, secret, gpu_label_key),
    ]
    if req.autoscale is not None:
        objects.append(autoscale.scaled_object(
            _metadata(req, namespace, name), name, req.queue_name, req.autoscale))
    return objects


def workload_of(objects: list[Manifest]) -> Manifest:
    """The Deployment among rendered objects."""
    return next(obj for obj in objects if obj["kind"] == "Deployment")


def _metadata(req: DeploymentRequest, namespace: str, name: str) -> Manifest:
    return {
        "name": name,
        "namespace": namespace,
        "labels": labels_for(req.organization_id, req.workflow_id),
        "annotations": {"flowplane.io/workflow-name": req.workflow_name},
    }


def _namespace(req: DeploymentRequest, namespace: str) -> Manifest:
    # Shared by the organization's workflows: owner labels without a workflow id, and the
    # "restricted" Pod Security Standard that the worker pods satisfy.
    labels = labels_for(req.organization_id) | {"pod-security.kubernetes.io/enforce": "restricted"}
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": namespace, "labels": labels},
    }


def _secret(req: DeploymentRequest, namespace: str, name: str) -> Manifest:
    values = {SERVICES_KEY: json.dumps(req.services, sort_keys=True, separators=(",", ":"))}
    values |= dict(sorted(req.env.items()))
    # `data`, not `stringData`: the API server merges stringData into data, so a key dropped
    # from stringData would stay in the Secret; applied `data` keys are owned by us and go.
    data = {key: base64.b64encode(value.encode()).decode() for key, value in values.items()}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _metadata(req, namespace, name),
        "type": "Opaque",
        "data": data,
    }


def _deployment(
    req: DeploymentRequest, namespace: str, name: str, secret: Manifest, gpu_label_key: str
) -> Manifest:
    labels = labels_for(req.organization_id, req.workflow_id)
    selector = {MANAGED_BY: "flowplane", WORKFLOW_ID: labels[WORKFLOW_ID]}  # immutable: keep small
    # A changed secret must restart the workers: env vars are read at container start. Keyed:
    # whoever may read Deployments but not Secrets must not be able to test guesses of a value.
    data = json.dumps(secret["data"], sort_keys=True).encode()
    checksum = hmac.new(req.checksum_key, data, hashlib.sha256)
    metadata = _metadata(req, namespace, name)
    spec: Manifest = {"replicas": 1}
    if req.autoscale is not None:
        # No `replicas`: the count is KEDA's. Sent, our forced server-side apply would take
        # the field back and reset the scaled count on every redeploy.
        spec = {}
        metadata["annotations"][AUTOSCALE] = f"{req.autoscale.minimum}-{req.autoscale.maximum}"
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            **spec,
            "revisionHistoryLimit": 2,
            "strategy": GPU_STRATEGY if req.gpu > 0 else CPU_STRATEGY,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": {"flowplane.io/secret-checksum": checksum.hexdigest()},
                },
                "spec": _pod_spec(req, secret, gpu_label_key),
            },
        },
    }


def _pod_spec(req: DeploymentRequest, secret: Manifest, gpu_label_key: str) -> Manifest:
    spec: Manifest = {
        "automountServiceAccountToken": False,  # workers never talk to the cluster
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": WORKER_UID,
            "runAsGroup": WORKER_UID,
            "fsGroup": WORKER_UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "terminationGracePeriodSeconds": 60,
        "containers": [_container(req, secret)],
    }
    if req.gpu > 0:
        spec["tolerations"] = [{"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}]
        if req.gpu_type:
            spec["nodeSelector"] = {gpu_label_key: req.gpu_type}
    return spec


def _container(req: DeploymentRequest, secret: Manifest) -> Manifest:
    secret_name = secret["metadata"]["name"]
    env: list[Manifest] = [
        {"name": "FLOWPLANE_WORKFLOW_ID", "value": str(req.workflow_id)},
        {"name": "FLOWPLANE_ORGANIZATION_ID", "value": str(req.organization_id)},
        # python nodes: bubblewrap where the cluster lets the pod make namespaces, else a
        # scrubbed child; this pod, holding one organization's credentials, is the boundary.
        {"name": "FLOWPLANE_SANDBOX", "value": "auto"},
    ]
    env += [
        {"name": key, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}}}
        for key in secret["data"]
    ]
    env += [
        {"name": var, "valueFrom": {"secretKeyRef": {"name": name, "key": key}}}
        for var, (name, key) in sorted(req.secret_refs.items())
    ]
    return {
        "name": "worker",
        "image": req.image,
        "command": ["flowplane", "worker", "--queue", req.queue_name,
                    "--metrics-port", str(WORKER_METRICS_PORT)],
        "env": [*env, {"name": "FLOWPLANE_METRICS_HOST", "value": "0.0.0.0"}],
        # Prometheus scrapes it (the monitoring component's PodMonitor selects this port).
        "ports": [{"name": "metrics", "containerPort": WORKER_METRICS_PORT, "protocol": "TCP"}],
        "resources": _resources(req),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": True,
        },
    }


def _resources(req: DeploymentRequest) -> Manifest:
    amounts = {
        "cpu": f"{max(1, round(req.cpu * 1000))}m",
        "memory": req.memory,
        "ephemeral-storage": req.disk,
    }
    limits = dict(amounts)
    if req.gpu > 0:
        limits[GPU_RESOURCE] = str(req.gpu)  # extended resources: limits only (requests follow)
    return {"requests": amounts, "limits": limits}
