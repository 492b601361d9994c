"""Which provisioner runs deployments, chosen from the settings: Kubernetes when
`FLOWPLANE_KUBECONFIG` is set (a path or "in-cluster"), else the local worker process.

Instances are kept per configuration: the Kubernetes one holds its API connection.
"""

from __future__ import annotations

from deploy.builds import KubernetesImageBuilder, kubernetes_builder_from_config
from deploy.kubernetes import kubernetes_provisioner_from_config
from deploy.local import LOCAL_NAMESPACE, LocalProvisioner
from deploy.model import Provisioner
from domain._sql import fetch
from domain.dispatch import DEFAULT_QUEUE, workflow_queue
from domain.settings import get_settings

_provisioners: dict[tuple[str, ...], Provisioner] = {}
_builders: dict[str, KubernetesImageBuilder] = {}


def provisioner(namespace: str | None = None) -> Provisioner:
    """The configured provisioner; the local one for a deployment in namespace `local`."""
    settings = get_settings()
    if namespace == LOCAL_NAMESPACE or not settings.kubeconfig:
        key: tuple[str, ...] = ("local", settings.redis_url, settings.base_image)
        if key not in _provisioners:
            _provisioners[key] = LocalProvisioner(
                settings.redis_url, settings.base_image)
        return _provisioners[key]
    key = ("kubernetes", settings.kubeconfig, settings.gpu_node_label)
    if key not in _provisioners:
        _provisioners[key] = kubernetes_provisioner_from_config(
            settings.kubeconfig, gpu_label_key=settings.gpu_node_label)
    return _provisioners[key]


def image_builder() -> KubernetesImageBuilder | None:
    """The in-cluster builder of Dockerfile environments; None without a cluster or registry."""
    settings = get_settings()
    if not settings.kubeconfig or not settings.build_registry:
        return None
    if settings.kubeconfig not in _builders:
        _builders[settings.kubeconfig] = kubernetes_builder_from_config(settings.kubeconfig)
    return _builders[settings.kubeconfig]


async def local_queues(*, include_default: bool = True,
                       organization_id: int | None = None) -> list[str]:
    """The queues local workers should serve: the default queue and the queue of every
    workflow deployed locally (as the database says, so a restart resumes them), or only
    those of one organization's workflows."""
    rows = await fetch(
        "SELECT id, organization FROM workflow WHERE deployment_namespace = $1"
        " AND ($2::int IS NULL OR organization = $2) ORDER BY id",
        LOCAL_NAMESPACE, organization_id)
    queues = [workflow_queue(int(row["organization"]), int(row["id"])) for row in rows]
    return [DEFAULT_QUEUE, *queues] if include_default else queues


async def local_organizations() -> list[int]:
    """The organizations that have workflows deployed locally (each gets a worker process)."""
    rows = await fetch("SELECT DISTINCT organization FROM workflow"
                       " WHERE deployment_namespace = $1 ORDER BY organization", LOCAL_NAMESPACE)
    return [int(row["organization"]) for row in rows]
