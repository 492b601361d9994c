"""Autoscaled deployments on the mock cluster over real HTTP: the ScaledObject is applied with
the Deployment (which then leaves its replica count to KEDA), changed, deleted when autoscale
is turned off and on undeploy; a cluster without KEDA gets a precise error and nothing
applied. Every applied object is validated at teardown (KEDA's against its CRD models)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from deploy.autoscale import Autoscale
from deploy.errors import PermanentDeployError
from deploy.kubernetes import KubernetesProvisioner
from deploy.model import DeploymentHandle
from tests.deploy._cluster import FakeCluster
from tests.deploy._control_plane import ControlPlane, Node
from tests.deploy._objects import DEPLOYMENTS, NAME, SECRETS
from tests.deploy.test_manifests import BASE

SCALED_OBJECTS = "/apis/keda.sh/v1alpha1/namespaces/fp-acme/scaledobjects"
PROMETHEUS = "http://prometheus.monitoring:9090"
AUTOSCALED = replace(BASE, autoscale=Autoscale(0, 5, PROMETHEUS, jobs_per_worker=50))


async def test_an_autoscaled_deploy_applies_a_scaled_object_and_leaves_replicas_to_keda(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    handle = await provisioner.deploy(AUTOSCALED)

    assert handle == DeploymentHandle("fp-acme", NAME, autoscaled=True)
    applied = {sent.path: sent.data for sent in fake.requests("PATCH")}
    assert "replicas" not in applied[f"{DEPLOYMENTS}/{NAME}"]["spec"]
    scaled = fake.objects[f"{SCALED_OBJECTS}/{NAME}"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == NAME
    assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (0, 5)
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["metadata"]["serverAddress"] == PROMETHEUS
    assert trigger["metadata"]["query"] == (
        'max(flowplane_queue_depth{queue="flowplane:wf:42"}) or vector(0)')
    assert scaled["metadata"]["labels"]["flowplane.io/workflow-id"] == "42"


async def test_a_redeploy_keeps_the_replica_count_keda_set(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    """Server-side apply with force would take `replicas` back if we sent it."""
    await provisioner.deploy(AUTOSCALED)
    fake.scale(f"{DEPLOYMENTS}/{NAME}", 4)

    await provisioner.deploy(replace(AUTOSCALED, cpu=1.0))

    deployment = fake.objects[f"{DEPLOYMENTS}/{NAME}"]
    assert deployment["spec"]["replicas"] == 4
    assert deployment["spec"]["template"]["spec"]["containers"][0]["resources"][
        "requests"]["cpu"] == "1000m"


async def test_changed_bounds_change_the_scaled_object(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    await provisioner.deploy(AUTOSCALED)
    await provisioner.deploy(replace(AUTOSCALED, autoscale=Autoscale(2, 8, PROMETHEUS)))

    spec = fake.objects[f"{SCALED_OBJECTS}/{NAME}"]["spec"]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (2, 8)


async def test_turning_autoscale_off_deletes_the_scaled_object_and_pins_one_worker(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    await provisioner.deploy(AUTOSCALED)
    fake.scale(f"{DEPLOYMENTS}/{NAME}", 0)

    handle = await provisioner.deploy(BASE)

    assert not handle.autoscaled
    assert f"{SCALED_OBJECTS}/{NAME}" not in fake.objects
    assert [s.path for s in fake.requests("DELETE")] == [f"{SCALED_OBJECTS}/{NAME}"]
    deployment = fake.objects[f"{DEPLOYMENTS}/{NAME}"]
    assert deployment["spec"]["replicas"] == 1
    assert "flowplane.io/autoscale" not in deployment["metadata"]["annotations"]


async def test_undeploy_deletes_the_scaled_object_first(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    await provisioner.deploy(AUTOSCALED)
    await provisioner.deploy(replace(AUTOSCALED, workflow_id=43, workflow_name="other"))

    await provisioner.undeploy("fp-acme", 42)

    assert [s.path for s in fake.requests("DELETE")] == [
        f"{SCALED_OBJECTS}/{NAME}", f"{DEPLOYMENTS}/{NAME}", f"{SECRETS}/{NAME}-services"]
    assert f"{SCALED_OBJECTS}/wf-43-other" in fake.objects  # another workflow's: untouched


async def test_a_cluster_without_keda_refuses_autoscale_before_applying_anything(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    fake.keda = False

    with pytest.raises(PermanentDeployError) as caught:
        await provisioner.deploy(AUTOSCALED)

    assert caught.value.reason == "AutoscalerMissing"
    assert "install KEDA" in caught.value.message
    assert not fake.requests("PATCH")


async def test_a_cluster_without_keda_deploys_and_undeploys_fixed_workers(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    fake.keda = False

    await provisioner.deploy(BASE)
    await provisioner.deploy(replace(BASE, workflow_name="renamed"))
    await provisioner.undeploy("fp-acme", 42)

    assert not [p for p in fake.objects if "/wf-42" in p]
    assert not [s for s in fake.sent if "keda.sh" in s.path and s.path.rstrip("/") != (
        "/apis/keda.sh/v1alpha1")]  # only the discovery, never a list of a missing kind


async def test_an_autoscaled_deployment_at_zero_replicas_is_available(
    provisioner: KubernetesProvisioner, fake: FakeCluster, plane: ControlPlane
) -> None:
    plane.nodes.append(Node("node-1"))
    handle = await provisioner.deploy(AUTOSCALED)
    plane.settle()
    assert (await provisioner.status(handle)).phase == "AVAILABLE"

    fake.scale(f"{DEPLOYMENTS}/{NAME}", 0)  # the queue stayed empty: KEDA removed the worker
    plane.settle()

    assert not plane.pods(NAME)
    idle = await provisioner.status(handle)
    assert (idle.phase, idle.pod_name, idle.reason) == ("AVAILABLE", None, None)

    fake.scale(f"{DEPLOYMENTS}/{NAME}", 1)  # a job arrived
    plane.settle()
    woken = await provisioner.status(handle)
    assert woken.phase == "AVAILABLE" and woken.pod_name is not None


async def test_keda_adding_workers_keeps_a_serving_deployment_available(
    provisioner: KubernetesProvisioner, fake: FakeCluster, plane: ControlPlane
) -> None:
    """Scaling out is no rollout: the serving worker serves on while the new ones start."""
    plane.nodes.append(Node("node-1"))
    handle = await provisioner.deploy(AUTOSCALED)
    plane.settle()
    fake.scale(f"{DEPLOYMENTS}/{NAME}", 3)
    deployment = fake.objects[f"{DEPLOYMENTS}/{NAME}"]
    deployment["status"]["observedGeneration"] = deployment["metadata"]["generation"]
    deployment["status"]["replicas"] = deployment["status"]["updatedReplicas"] = 3
    deployment["status"]["availableReplicas"] = 1  # two still starting

    assert (await provisioner.status(handle)).phase == "AVAILABLE"
