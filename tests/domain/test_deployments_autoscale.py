"""`autoscale: {min, max}` through the domain: deployed as a KEDA ScaledObject on the mock
cluster (real HTTP, objects validated at teardown), recorded on the row, redeployed when it
changes, removed when turned off; refused precisely without a Prometheus URL, above the
operator's cap, or on a cluster without KEDA. With `min: 0` the idle deployment reads
AVAILABLE and the first execution waits in its queue for a worker, never failed by a sweep."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain import redeploys
from domain.deployments import (
    DeploymentFailed,
    deploy_workflow,
    reconcile_deployment_phases,
    undeploy_workflow,
)
from domain.dispatch import job_state, workflow_queue
from domain.errors import InvalidInput
from domain.executions import load_execution, load_workflow, start_execution
from domain.settings import get_settings
from domain.spec.definition import WorkflowDefinition
from domain.spec.model import AutoscaleSettings, DeploymentSettings
from domain.sweeps import sweep_once
from engine.worker import build_worker
from tests.deploy._cluster import FakeCluster
from tests.deploy._control_plane import ControlPlane, Node
from tests.deploy.conftest import cluster, fake, plane  # noqa: F401  (fixtures)
from tests.domain.test_deployments import DEPLOYMENTS, acme, workflow
from tests.domain.test_workflows import definition
from tests.factory import Factory

SCALED_OBJECTS = "/apis/keda.sh/v1alpha1/namespaces/fp-acme/scaledobjects"
PROMETHEUS = "http://prometheus.monitoring:9090"
ZERO_TO_FIVE = DeploymentSettings(autoscale=AutoscaleSettings(min=0, max=5))


@pytest.fixture(autouse=True)
def _kubernetes(
    cluster: tuple[FakeCluster, Path], monkeypatch: pytest.MonkeyPatch,  # noqa: F811
    secret_key: bytes,
) -> Iterator[None]:
    monkeypatch.setenv("FLOWPLANE_KUBECONFIG", str(cluster[1]))
    monkeypatch.setenv("FLOWPLANE_PROMETHEUS_URL", PROMETHEUS)
    monkeypatch.setenv("FLOWPLANE_DISPATCH_GRACE_SECONDS", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_autoscale_off_leaves_the_definition_and_its_hash_as_before() -> None:
    """Definitions saved before autoscale existed must not read as changed."""
    plain = WorkflowDefinition()
    assert "autoscale" not in plain.to_json()["deployment"]
    scaled = WorkflowDefinition(deployment=ZERO_TO_FIVE)
    assert scaled.to_json()["deployment"]["autoscale"] == {"min": 0, "max": 5}
    assert scaled.content_hash() != plain.content_hash()


async def test_an_autoscaled_deploy_applies_a_scaled_object_and_records_the_bounds(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)

    row = await deploy_workflow(org.owner, wid, ZERO_TO_FIVE)

    name = row.deployment_name
    assert (row.deployment_autoscale_min, row.deployment_autoscale_max) == (0, 5)
    assert row.deployment_settings["autoscale"] == {"min": 0, "max": 5}
    scaled = fake.objects[f"{SCALED_OBJECTS}/{name}"]
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["metadata"]["serverAddress"] == PROMETHEUS
    assert workflow_queue(org.owner.organization_id, wid) in trigger["metadata"]["query"]
    assert trigger["metadata"]["threshold"] == "50"  # a worker runs 50 jobs at once
    assert "replicas" not in fake.requests("PATCH", f"{DEPLOYMENTS}/{name}")[-1].data["spec"]


async def test_changing_the_bounds_in_a_save_redeploys_and_turning_it_off_removes_keda(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    row = await deploy_workflow(org.owner, wid, ZERO_TO_FIVE)
    name = row.deployment_name

    wider = definition(nodes=row.nodes, deployment={"autoscale": {"min": 1, "max": 8}})
    await redeploys.update_workflow(org.owner, wid, definition=wider,
                                    expected_version=int(row.version))

    spec = fake.objects[f"{SCALED_OBJECTS}/{name}"]["spec"]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (1, 8)
    row = await load_workflow(wid)
    assert (row.deployment_autoscale_min, row.deployment_autoscale_max) == (1, 8)

    row = await deploy_workflow(org.owner, wid, DeploymentSettings())

    assert f"{SCALED_OBJECTS}/{name}" not in fake.objects
    assert fake.objects[f"{DEPLOYMENTS}/{name}"]["spec"]["replicas"] == 1
    assert (row.deployment_autoscale_min, row.deployment_autoscale_max) == (None, None)
    assert "autoscale" not in row.deployment_settings


async def test_undeploy_removes_the_scaled_object(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    row = await deploy_workflow(org.owner, wid, ZERO_TO_FIVE)

    row = await undeploy_workflow(org.owner, wid)

    assert not [path for path in fake.objects if "scaledobjects" in path]
    assert row.deployment_autoscale_min is None and row.deployment_name is None


async def test_without_a_prometheus_url_an_autoscaled_deploy_fails_before_the_cluster(
    factory: Factory, fake: FakeCluster, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.delenv("FLOWPLANE_PROMETHEUS_URL")
    get_settings.cache_clear()
    org = await acme(factory)
    wid = await workflow(org.owner)
    fake.sent.clear()

    with pytest.raises(DeploymentFailed) as caught:
        await deploy_workflow(org.owner, wid, ZERO_TO_FIVE)

    assert caught.value.reason == "AutoscaleUnconfigured"
    assert "FLOWPLANE_PROMETHEUS_URL" in str(caught.value)
    assert not fake.requests("PATCH")
    assert (await load_workflow(wid)).deployment_name is None
    await deploy_workflow(org.owner, wid)  # fixed-size deploys do not need it


async def test_a_max_above_the_operators_cap_is_invalid_input(
    factory: Factory, fake: FakeCluster, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setenv("FLOWPLANE_AUTOSCALE_MAX_REPLICAS", "4")
    get_settings.cache_clear()
    org = await acme(factory)
    wid = await workflow(org.owner)

    with pytest.raises(InvalidInput) as caught:
        await deploy_workflow(org.owner, wid, ZERO_TO_FIVE)

    (error,) = caught.value.errors
    assert getattr(error, "field", None) == "deployment.autoscale.max"
    assert "at most 4" in str(error)
    assert not fake.requests("PATCH")


async def test_a_cluster_without_keda_fails_the_deploy_with_its_reason(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    fake.keda = False
    org = await acme(factory)
    wid = await workflow(org.owner)

    with pytest.raises(DeploymentFailed) as caught:
        await deploy_workflow(org.owner, wid, ZERO_TO_FIVE)

    assert caught.value.reason == "AutoscalerMissing" and not caught.value.retryable
    row = await load_workflow(wid)
    assert row.deployment_name is None and row.status == "draft"
    assert not fake.requests("PATCH")


async def test_min_zero_is_available_while_idle_and_the_first_execution_waits_for_a_worker(
    factory: Factory, fake: FakeCluster, plane: ControlPlane, redis_url: str  # noqa: F811
) -> None:
    plane.nodes.append(Node("node-1"))
    org = await acme(factory)
    wid = await workflow(org.owner, nodes=[{"id": "t", "type": "transform",
                                            "params": {"value": 1}}])
    row = await deploy_workflow(org.owner, wid, ZERO_TO_FIVE)
    path = f"{DEPLOYMENTS}/{row.deployment_name}"
    fake.scale(path, 0)  # KEDA: the queue stayed empty, the last worker goes
    plane.settle()

    await reconcile_deployment_phases()
    row = await load_workflow(wid)
    assert (row.deployment_phase, row.deployment_pod_name) == ("AVAILABLE", None)
    assert await reconcile_deployment_phases() == 0  # and stays so, pass after pass

    execution = await start_execution(wid, trigger_type="manual", triggered_by=None, input={})
    queue = workflow_queue(org.owner.organization_id, wid)
    assert execution.queue_name == queue
    for _ in range(3):  # no worker yet: sweeps leave the waiting job alone
        report = await sweep_once()
        assert (report.missing, report.lost) == (0, 0)
    assert (await load_execution(execution.id)).status == "pending"
    assert await job_state(org.owner.organization_id, execution.id,
                           int(execution.dispatch_generation), queue) == "queued"

    fake.scale(path, 1)  # KEDA saw the depth: a worker starts and takes the job
    plane.settle()
    await build_worker(queue, burst=True, poll_delay=0, redis_url=redis_url).async_run()

    assert (await load_execution(execution.id)).status == "completed"
    await reconcile_deployment_phases()
    assert (await load_workflow(wid)).deployment_phase == "AVAILABLE"


async def test_the_local_provisioner_warns_and_runs_one_worker(
    factory: Factory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("FLOWPLANE_KUBECONFIG")
    monkeypatch.delenv("FLOWPLANE_PROMETHEUS_URL")
    get_settings.cache_clear()
    org = await acme(factory)
    wid = await workflow(org.owner)

    with caplog.at_level(logging.WARNING, logger="deploy.local"):
        row = await deploy_workflow(org.owner, wid, ZERO_TO_FIVE)

    assert row.deployment_namespace == "local" and row.deployment_phase == "PROGRESSING"
    assert (row.deployment_autoscale_min, row.deployment_autoscale_max) == (None, None)
    assert row.deployment_settings["autoscale"] == {"min": 0, "max": 5}  # kept for a cluster
    (warning,) = [r.getMessage() for r in caplog.records if "autoscal" in r.getMessage()]
    assert "autoscaling is not supported locally: one worker serves it" in warning


async def test_waking_from_zero_keeps_the_deployment_available_and_an_obstacle_shows(
    factory: Factory, fake: FakeCluster, plane: ControlPlane  # noqa: F811
) -> None:
    """KEDA starting a worker is no rollout: new executions keep going to the workflow's own
    queue (AVAILABLE) instead of the default one while the pod starts."""
    plane.nodes.append(Node("node-1"))
    org = await acme(factory)
    wid = await workflow(org.owner)
    row = await deploy_workflow(org.owner, wid, ZERO_TO_FIVE)
    path = f"{DEPLOYMENTS}/{row.deployment_name}"
    fake.scale(path, 0)
    plane.settle()
    await reconcile_deployment_phases()
    assert (await load_workflow(wid)).deployment_phase == "AVAILABLE"

    plane.nodes.clear()  # the worker KEDA asks for cannot be scheduled yet
    fake.scale(path, 1)
    plane.settle()
    deployment = fake.objects[path]
    assert deployment["status"]["availableReplicas"] == 0  # starting, as the cluster says
    await reconcile_deployment_phases()
    row = await load_workflow(wid)
    assert (row.deployment_phase, row.deployment_reason) == (
        "PROGRESSING", "Unschedulable")  # an obstacle is no wake-up: it shows

    plane.nodes.append(Node("node-2"))
    plane.settle()
    await reconcile_deployment_phases()
    assert (await load_workflow(wid)).deployment_phase == "AVAILABLE"
    fake.scale(path, 0)
    plane.settle()
    await reconcile_deployment_phases()
    fake.scale(path, 1)  # a plain wake-up: the pod is created, not ready yet
    deployment = fake.objects[path]
    deployment["status"] |= {"observedGeneration": deployment["metadata"]["generation"],
                             "replicas": 1, "updatedReplicas": 1, "availableReplicas": 0}

    await reconcile_deployment_phases()

    row = await load_workflow(wid)
    assert (row.deployment_phase, row.deployment_reason) == ("AVAILABLE", None)
