"""Status mapping of the Kubernetes provisioner, served as canned JSON over real HTTP."""

from __future__ import annotations

import pytest

from deploy.kubernetes import KubernetesProvisioner
from deploy.model import DeploymentHandle, DeploymentStatus
from tests.deploy import _objects as objects
from tests.deploy._cluster import FakeCluster, Obj
from tests.deploy._objects import DEPLOYMENTS, NAME, NS

HANDLE = DeploymentHandle(namespace="fp-acme", name=NAME)


def serve(fake: FakeCluster, deployment: Obj, *items: Obj) -> None:
    fake.put(f"{DEPLOYMENTS}/{NAME}", deployment)
    for item in items:
        plural = {"Pod": f"{NS}/pods", "ReplicaSet": f"{DEPLOYMENTS[:-12]}/replicasets"}
        fake.put(f"{plural[item['kind']]}/{item['metadata']['name']}", item)


async def test_available_deployment_reports_its_ready_pod(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    serve(fake, objects.deployment(NAME, available=True, revision="2"),
          objects.replicaset("old", "1"), objects.replicaset("new", "2"),
          objects.pod("wf-42-old-1", "old", waiting="CrashLoopBackOff"),
          objects.pod("wf-42-new-1", "new", ready=True))

    status = await provisioner.wait(HANDLE, timeout=5)

    assert status == DeploymentStatus("AVAILABLE", pod_name="wf-42-new-1")
    lists = {(s.path, s.params.get("labelSelector")) for s in fake.requests("GET")}
    selector = "app.kubernetes.io/managed-by=flowplane,flowplane.io/workflow-id=42"
    assert (f"{NS}/pods", selector) in lists


@pytest.mark.parametrize(
    ("pod", "reason", "detail"),
    [
        (objects.pod("p1", "h", waiting="ImagePullBackOff"), "ImagePull", "ImagePullBackOff"),
        (objects.pod("p1", "h", waiting="ErrImagePull"), "ImagePull", "ErrImagePull"),
        (objects.pod("p1", "h", waiting="CrashLoopBackOff"), "CrashLoop", "CrashLoopBackOff"),
    ],
)
async def test_failing_pod_fails_the_deployment_with_a_reason(
    provisioner: KubernetesProvisioner, fake: FakeCluster, pod: Obj, reason: str, detail: str
) -> None:
    serve(fake, objects.deployment(NAME, available=False), objects.replicaset("h", "1"), pod)

    status = await provisioner.wait(HANDLE, timeout=5)

    assert (status.phase, status.reason, status.pod_name) == ("FAILED", reason, "p1")
    assert status.message is not None and detail in status.message


async def test_an_unschedulable_pod_is_a_reason_while_progressing_not_a_failure(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    pod = objects.pod("p1", "h", unschedulable="0/3 nodes are available: 3 Insufficient "
                      "nvidia.com/gpu.")
    serve(fake, objects.deployment(NAME, available=False), objects.replicaset("h", "1"), pod)

    status = await provisioner.status(HANDLE)

    assert (status.phase, status.reason, status.pod_name) == ("PROGRESSING", "Unschedulable", "p1")
    assert status.message is not None and "Insufficient nvidia.com/gpu" in status.message
    waited = await provisioner.wait(HANDLE, timeout=0.05)
    assert (waited.phase, waited.reason) == ("FAILED", "Timeout")
    assert waited.message is not None and "Insufficient nvidia.com/gpu" in waited.message


async def test_quota_on_pods_fails_the_deployment(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    failure = {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
               "message": 'pods "p" is forbidden: exceeded quota: gpu, requested: '
                          "requests.nvidia.com/gpu=2, used: 0, limited: 1"}
    serve(fake, objects.deployment(NAME, available=False, conditions=[failure]))

    status = await provisioner.status(HANDLE)

    assert (status.phase, status.reason) == ("FAILED", "QuotaExceeded")


async def test_deployment_that_never_becomes_available_times_out(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    serve(fake, objects.deployment(NAME, available=False), objects.replicaset("h", "1"),
          objects.pod("p1", "h"))

    status = await provisioner.wait(HANDLE, timeout=0.05)

    assert (status.phase, status.reason) == ("FAILED", "Timeout")
    assert status.message is not None and "0 of 1 worker(s) available" in status.message


async def test_progress_deadline_exceeded_is_a_timeout(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    stuck = {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
             "message": 'ReplicaSet "x" has timed out progressing.'}
    serve(fake, objects.deployment(NAME, available=False, conditions=[stuck]))

    status = await provisioner.status(HANDLE)

    assert (status.phase, status.reason) == ("FAILED", "Timeout")


async def test_rollout_with_an_old_pod_still_serving_is_progressing(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    serve(fake, objects.deployment(NAME, available=True, revision="2", old_replicas=1),
          objects.replicaset("old", "1"), objects.replicaset("new", "2"),
          objects.pod("old-1", "old", ready=True), objects.pod("new-1", "new"))

    assert (await provisioner.status(HANDLE)).phase == "PROGRESSING"


async def test_missing_deployment_is_reported_as_failed(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    status = await provisioner.status(HANDLE)
    assert (status.phase, status.reason) == ("FAILED", "NotFound")


async def test_temporary_errors_while_waiting_are_retried(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    serve(fake, objects.deployment(NAME, available=True), objects.pod("p1", "h", ready=True))
    fake.fail("GET", f"{DEPLOYMENTS}/{NAME}", 503, "busy", times=2)

    status = await provisioner.wait(HANDLE, timeout=5)

    assert status == DeploymentStatus("AVAILABLE", pod_name="p1")


async def test_a_deployment_scaled_to_zero_is_available_not_progressing(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    """An autoscaler (`autoscale.min: 0`) took the idle workers away: the API server omits
    the zero counts from the status, and the last pod is on its way out."""
    idle = objects.deployment(NAME, available=False)
    idle["spec"]["replicas"] = 0
    idle["status"] = {"observedGeneration": 2, "conditions": [
        {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
        {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}
    leaving = objects.pod("wf-42-h-1", "h", ready=True)
    leaving["metadata"]["deletionTimestamp"] = "2026-12-01T12:00:00Z"
    serve(fake, idle, objects.replicaset("h", "1"), leaving)

    assert await provisioner.status(HANDLE) == DeploymentStatus("AVAILABLE")
    assert await provisioner.wait(HANDLE, timeout=5) == DeploymentStatus("AVAILABLE")
