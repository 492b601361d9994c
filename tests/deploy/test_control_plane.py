"""The Kubernetes provisioner against the mock control plane (tests/deploy/_control_plane.py):
rollouts, scheduling and crash loops as a real cluster produces them, observed over real
HTTP. A phase is what is true now: Unschedulable is PROGRESSING, a crash loop after AVAILABLE
is FAILED, and a FAILED deployment becomes AVAILABLE once the cluster can run it."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from deploy.kubernetes import KubernetesProvisioner
from deploy.manifests import render
from deploy.model import DeploymentHandle
from tests.deploy._cluster import FakeCluster
from tests.deploy._control_plane import ControlPlane, Node
from tests.deploy._objects import DEPLOYMENTS, NAME
from tests.deploy.test_manifests import BASE, GPU, by_kind

HANDLE = DeploymentHandle(namespace="fp-acme", name=NAME)
A100 = {"nvidia.com/gpu.product": "nvidia-a100"}


async def test_a_pending_gpu_pod_is_progressing_until_a_gpu_node_appears(
    provisioner: KubernetesProvisioner, fake: FakeCluster, plane: ControlPlane
) -> None:
    plane.nodes.append(Node("cpu-1"))
    await provisioner.deploy(GPU)
    plane.settle()

    waiting = await provisioner.status(HANDLE)

    assert (waiting.phase, waiting.reason) == ("PROGRESSING", "Unschedulable")
    assert waiting.message is not None and "0/1 nodes are available" in waiting.message
    plane.nodes.append(Node("gpu-1", gpus=2, labels=A100))
    plane.settle()
    available = await provisioner.status(HANDLE)
    assert available.phase == "AVAILABLE"
    (pod,) = plane.pods(NAME)
    assert available.pod_name == pod["metadata"]["name"]
    assert pod["spec"]["nodeName"] == "gpu-1"


async def test_a_crash_loop_after_available_fails_the_deployment_and_recovery_shows(
    provisioner: KubernetesProvisioner, fake: FakeCluster, plane: ControlPlane
) -> None:
    plane.nodes.append(Node("cpu-1"))
    await provisioner.deploy(BASE)
    plane.settle()
    assert (await provisioner.status(HANDLE)).phase == "AVAILABLE"

    plane.crashing.add(NAME)
    plane.settle()
    crashed = await provisioner.status(HANDLE)

    assert (crashed.phase, crashed.reason) == ("FAILED", "CrashLoop")
    assert crashed.message is not None and "CrashLoopBackOff" in crashed.message
    plane.crashing.clear()
    plane.settle()
    assert (await provisioner.status(HANDLE)).phase == "AVAILABLE"


async def test_a_gpu_worker_rolls_out_on_a_node_with_a_single_gpu(
    provisioner: KubernetesProvisioner, fake: FakeCluster, plane: ControlPlane
) -> None:
    gpu = replace(GPU, gpu=1)
    plane.nodes.append(Node("gpu-1", gpus=1, labels=A100))
    await provisioner.deploy(gpu)
    plane.settle()
    (first,) = plane.pods(NAME)

    await provisioner.deploy(replace(gpu, memory="2Gi"))
    plane.settle()

    status = await provisioner.status(HANDLE)
    assert status.phase == "AVAILABLE", status
    (second,) = plane.pods(NAME)
    assert second["metadata"]["name"] != first["metadata"]["name"]
    assert second["spec"]["containers"][0]["resources"]["limits"]["memory"] == "2Gi"


async def test_a_cpu_worker_keeps_serving_until_its_replacement_is_ready(
    provisioner: KubernetesProvisioner, fake: FakeCluster, plane: ControlPlane
) -> None:
    await provisioner.deploy(BASE)  # no node yet: nothing runs
    plane.nodes.append(Node("cpu-1"))
    plane.settle()
    (first,) = plane.pods(NAME)
    plane.nodes.clear()  # the replacement cannot be scheduled

    await provisioner.deploy(replace(BASE, memory="2Gi"))
    plane.settle()

    names = sorted(pod["metadata"]["name"] for pod in plane.pods(NAME))
    assert first["metadata"]["name"] in names and len(names) == 2  # surge 1, unavailable 0
    status = await provisioner.status(HANDLE)
    assert (status.phase, status.reason) == ("PROGRESSING", "Unschedulable")


async def test_the_watch_reports_the_workflow_whose_objects_change(
    provisioner: KubernetesProvisioner, fake: FakeCluster, plane: ControlPlane
) -> None:
    await provisioner.deploy(replace(BASE, workflow_id=7, workflow_name="seven"))
    changes = provisioner.changes()
    seen = [await anext(changes)]  # the Deployment as it is when the watch starts

    await provisioner.deploy(BASE)
    plane.nodes.append(Node("cpu-1"))
    plane.settle()
    while 42 not in seen:
        seen.append(await asyncio.wait_for(anext(changes), timeout=10))
    await changes.aclose()

    assert seen[0] == 7 and set(seen) == {7, 42}
    watches = [s for s in fake.requests("GET") if s.params.get("watch") == "true"]
    assert sorted(s.path for s in watches) == ["/api/v1/pods", "/apis/apps/v1/deployments"]
    selectors = {s.params["labelSelector"] for s in watches}
    assert selectors == {"app.kubernetes.io/managed-by=flowplane"}


async def test_with_the_default_strategy_a_gpu_worker_never_rolls_on_a_one_gpu_node(
    fake: FakeCluster, plane: ControlPlane
) -> None:
    """Why GPU workers do not surge: the mock reproduces what a real cluster does with the
    default rolling update (maxSurge 25%, rounded up to one extra pod)."""
    plane.nodes.append(Node("gpu-1", gpus=1, labels=A100))
    path = f"{DEPLOYMENTS}/{NAME}"
    for memory in ("1Gi", "2Gi"):
        manifest = by_kind(render(replace(GPU, gpu=1, memory=memory)))["Deployment"]
        del manifest["spec"]["strategy"]
        manifest["metadata"] |= {"uid": "uid-default", "generation": 1}
        fake.put(path, manifest)
        plane.settle()

    new, old = sorted(plane.pods(NAME), key=lambda pod: "nodeName" in pod["spec"])
    assert old["spec"]["nodeName"] == "gpu-1"  # keeps its GPU, never replaced
    (scheduled,) = [c for c in new["status"]["conditions"] if c["type"] == "PodScheduled"]
    assert scheduled["reason"] == "Unschedulable"
    assert "1 Insufficient nvidia.com/gpu" in scheduled["message"]
