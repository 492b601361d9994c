"""Pure mapping from observed Deployment, ReplicaSets and Pods to a DeploymentStatus.

Only the pods of the Deployment's current revision count (found through the ReplicaSet whose
revision annotation matches), so an old pod still serving during a rollout hides nothing.
A phase is what is true now, not a verdict: an Unschedulable pod is PROGRESSING with that
reason (the scheduler retries it for as long as it exists, and a node may appear), and an
AVAILABLE worker that starts crashing is FAILED with reason CrashLoop. An autoscaled
Deployment is AVAILABLE at zero replicas (idle), and stays so while KEDA adds workers to a
serving one: its rollout is done once one current worker is ready, not every one wanted.
"""

from __future__ import annotations

from typing import Any

from deploy.manifests import AUTOSCALE
from deploy.model import DeploymentStatus

Obj = dict[str, Any]  # Any: Kubernetes objects are free-form JSON

REVISION = "deployment.kubernetes.io/revision"
TEMPLATE_HASH = "pod-template-hash"
# Container waiting reasons that will not resolve by waiting.
WAITING_FAILURES = {
    "ImagePullBackOff": "ImagePull",
    "ErrImagePull": "ImagePull",
    "InvalidImageName": "ImagePull",
    "CrashLoopBackOff": "CrashLoop",
    "CreateContainerConfigError": "Invalid",
    "CreateContainerError": "Invalid",
}
# A container restarted this often and not ready now crash-loops, even between two back-offs.
CRASH_RESTARTS = 3


def deployment_status(deployment: Obj, replicasets: list[Obj], pods: list[Obj]) -> DeploymentStatus:
    current = current_pods(deployment, replicasets, pods)
    for pod in current:
        failure = pod_failure(pod)
        if failure is not None:
            return failure
    failure = deployment_failure(deployment)
    if failure is not None:
        return failure
    if rolled_out(deployment):
        ready = [pod for pod in current if _condition(pod, "Ready").get("status") == "True"]
        chosen = (ready or current or [{}])[0]
        return DeploymentStatus("AVAILABLE", pod_name=chosen.get("metadata", {}).get("name"))
    for pod in current:
        waiting = pod_obstacle(pod)
        if waiting is not None:
            return waiting
    return DeploymentStatus("PROGRESSING", message=_progress_message(deployment))


def current_pods(deployment: Obj, replicasets: list[Obj], pods: list[Obj]) -> list[Obj]:
    """Live pods of the Deployment's current revision (all live pods if that is unknown)."""
    live = [pod for pod in pods if not pod.get("metadata", {}).get("deletionTimestamp")]
    revision = _annotations(deployment).get(REVISION)
    hashes = {
        rs.get("metadata", {}).get("labels", {}).get(TEMPLATE_HASH)
        for rs in replicasets
        if revision is not None and _annotations(rs).get(REVISION) == revision
    } - {None}
    if not hashes:
        return live
    return [pod for pod in live if pod["metadata"].get("labels", {}).get(TEMPLATE_HASH) in hashes]


def pod_failure(pod: Obj) -> DeploymentStatus | None:
    name = pod.get("metadata", {}).get("name")
    status = pod.get("status", {})
    containers = status.get("initContainerStatuses", []) + status.get("containerStatuses", [])
    for container in containers:
        waiting = container.get("state", {}).get("waiting") or {}
        reason = WAITING_FAILURES.get(waiting.get("reason", ""))
        if reason is not None:
            detail = waiting["reason"] + (f" ({waiting['message']})" if waiting.get("message")
                                          else "")
            if container.get("restartCount"):
                detail += f", restarted {container['restartCount']} times"
            message = f"pod {name}, container {container.get('name')}: {detail}"
            return DeploymentStatus("FAILED", pod_name=name, reason=reason, message=message)
        restarts = int(container.get("restartCount") or 0)
        if restarts >= CRASH_RESTARTS and not container.get("ready"):
            last = (container.get("lastState") or {}).get("terminated") or {}
            detail = f"{last.get('reason', 'exited')}, exit code {last.get('exitCode', '?')}"
            message = (f"pod {name}, container {container.get('name')}: restarted {restarts} "
                       f"times (last: {detail})")
            return DeploymentStatus("FAILED", pod_name=name, reason="CrashLoop", message=message)
    return None


def pod_obstacle(pod: Obj) -> DeploymentStatus | None:
    """What a pod that may still start waits on (PROGRESSING with a reason), if known."""
    name = pod.get("metadata", {}).get("name")
    scheduled = _condition(pod, "PodScheduled")
    if scheduled.get("status") == "False" and scheduled.get("reason") == "Unschedulable":
        message = f"pod {name} cannot be scheduled: {scheduled.get('message', '')}".strip()
        return DeploymentStatus(
            "PROGRESSING", pod_name=name, reason="Unschedulable", message=message)
    return None


def deployment_failure(deployment: Obj) -> DeploymentStatus | None:
    failure = _condition(deployment, "ReplicaFailure")
    if failure.get("status") == "True":
        message = str(failure.get("message", ""))
        reason = "QuotaExceeded" if "exceeded quota" in message else "Forbidden"
        return DeploymentStatus("FAILED", reason=reason, message=message)
    progressing = _condition(deployment, "Progressing")
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        message = str(progressing.get("message", "progress deadline exceeded"))
        return DeploymentStatus("FAILED", reason="Timeout", message=message)
    return None


def rolled_out(deployment: Obj) -> bool:
    """As `kubectl rollout status`: observed, updated, no old replicas left, all available."""
    spec, status = deployment.get("spec", {}), deployment.get("status", {})
    wanted = spec.get("replicas", 1)
    updated = status.get("updatedReplicas", 0)
    observed = status.get("observedGeneration", 0) >= deployment["metadata"].get("generation", 0)
    available = status.get("availableReplicas", 0)
    if AUTOSCALE in _annotations(deployment):  # the count is KEDA's and moves all the time
        return bool(observed and status.get("replicas", 0) <= updated
                    and (wanted == 0 or available > 0))
    return bool(
        observed
        and updated >= wanted
        and status.get("replicas", 0) <= updated
        and available >= updated
    )


def _progress_message(deployment: Obj) -> str:
    status = deployment.get("status", {})
    return (
        f"{status.get('availableReplicas', 0)} of {deployment.get('spec', {}).get('replicas', 1)}"
        " worker(s) available"
    )


def _annotations(obj: Obj) -> dict[str, str]:
    return dict(obj.get("metadata", {}).get("annotations") or {})


def _condition(obj: Obj, kind: str) -> Obj:
    for condition in obj.get("status", {}).get("conditions") or []:
        if condition.get("type") == kind:
            return dict(condition)
    return {}
