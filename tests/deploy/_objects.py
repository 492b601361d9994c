"""Canned Deployment / ReplicaSet / Pod JSON as a real API server would report them."""

from __future__ import annotations

import base64
from typing import Any

Obj = dict[str, Any]
NS = "/api/v1/namespaces/fp-acme"
SECRETS = f"{NS}/secrets"
DEPLOYMENTS = "/apis/apps/v1/namespaces/fp-acme/deployments"
NETWORK_POLICY = "/apis/networking.k8s.io/v1/namespaces/fp-acme/networkpolicies/flowplane-egress"
NAME = "wf-42-daily-sales-report"  # deployment_name_for(42, "Daily Sales Report")
LABELS = {"app.kubernetes.io/managed-by": "flowplane", "flowplane.io/workflow-id": "42"}


def deployment(name: str, *, available: bool, revision: str = "1", old_replicas: int = 0,
               conditions: list[Obj] | None = None) -> Obj:
    updated = 1
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "fp-acme", "generation": 2, "labels": LABELS,
                     "annotations": {"deployment.kubernetes.io/revision": revision}},
        "spec": {"replicas": 1, "selector": {"matchLabels": LABELS}},
        "status": {"observedGeneration": 2, "replicas": updated + old_replicas,
                   "updatedReplicas": updated, "availableReplicas": 1 if available else 0,
                   "conditions": conditions or []},
    }


def replicaset(template_hash: str, revision: str) -> Obj:
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": f"rs-{template_hash}", "namespace": "fp-acme",
                     "labels": LABELS | {"pod-template-hash": template_hash},
                     "annotations": {"deployment.kubernetes.io/revision": revision}},
    }


def pod(name: str, template_hash: str, *, ready: bool = False, waiting: str | None = None,
        unschedulable: str | None = None) -> Obj:
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    if unschedulable is not None:
        conditions.append({"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                           "message": unschedulable})
    state: Obj = {"running": {}} if waiting is None else {
        "waiting": {"reason": waiting, "message": f"{waiting} for worker"}}
    statuses = [] if unschedulable else [{"name": "worker", "ready": ready, "state": state}]
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "fp-acme",
                     "labels": LABELS | {"pod-template-hash": template_hash}},
        "status": {"phase": "Pending" if unschedulable else "Running",
                   "conditions": conditions, "containerStatuses": statuses},
    }


def secret_values(secret: Obj) -> dict[str, str]:
    """The decoded `data` of a Secret as the API server stores it."""
    return {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
