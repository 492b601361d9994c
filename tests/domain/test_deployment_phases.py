"""The deployment watcher keeps every deployed workflow's phase equal to what the cluster
reports (AVAILABLE with the pod name, FAILED with the reason, PROGRESSING with what it waits
on), announced as `workflow` events; the Kubernetes provisioner runs against the mock cluster
and control plane of tests/deploy over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from db.tables import Event
from domain._sql import fetch
from domain.deployment_phases import watch_deployment_phases
from domain.deployments import deploy_workflow, reconcile_deployment_phases
from domain.dispatch import queue_for, workflow_queue
from domain.executions import load_workflow
from domain.settings import get_settings
from tests.deploy._cluster import FakeCluster, write_kubeconfig
from tests.deploy._control_plane import ControlPlane, Node
from tests.deploy.conftest import cluster, fake, plane  # noqa: F401  (fixtures)
from tests.domain.test_deployments import GPU as GPU_SETTINGS
from tests.domain.test_deployments import (
    NS,
    _kubernetes,
    acme,
    deployment,
    make_available,
    workflow,
)
from tests.factory import Factory

__all__ = ["_kubernetes", "cluster"]  # fixtures used by the tests below


async def test_the_watcher_records_available_with_the_pod_name(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    row = await deploy_workflow(org.owner, wid)
    assert await reconcile_deployment_phases() == 0  # still progressing
    make_available(fake, row)

    assert await reconcile_deployment_phases() == 1

    row = await load_workflow(wid)
    assert (row.deployment_phase, row.deployment_pod_name) == ("AVAILABLE", "worker-abc")
    assert queue_for(row.organization, row.id, row.deployment_phase) == workflow_queue(
        row.organization, wid)
    last = await Event.select().order_by(Event.id, ascending=False).first()
    assert last is not None
    assert json.loads(last["payload"])["deployment"]["phase"] == "AVAILABLE"


async def test_the_watcher_records_failed_with_the_reason(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    row = await deploy_workflow(org.owner, wid)
    labels = deployment(fake, row)["spec"]["template"]["metadata"]["labels"]
    fake.put(f"{NS}/pods/worker-x", {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "worker-x", "namespace": "fp-acme", "labels": labels},
        "status": {"containerStatuses": [{"name": "worker", "state": {
            "waiting": {"reason": "ImagePullBackOff", "message": "pull access denied"}}}]}})

    assert await reconcile_deployment_phases() == 1

    row = await load_workflow(wid)
    assert row.deployment_phase == "FAILED"
    assert row.deployment_error.startswith("ImagePull: ")
    assert "pull access denied" in row.deployment_error
    assert row.status == "active"


async def test_the_watcher_fails_a_deployment_that_stays_progressing_too_long(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    await deploy_workflow(org.owner, wid)
    await fetch("UPDATE workflow SET deployment_phase_changed_at = now() - interval '1 day'"
                " WHERE id = $1", wid)

    assert await reconcile_deployment_phases() == 1
    row = await load_workflow(wid)
    assert row.deployment_phase == "FAILED" and row.deployment_error.startswith("Timeout")


A100 = Node("gpu-1", gpus=1, labels={"nvidia.com/gpu.product": "nvidia-a100"})


async def _phase(wid: int) -> tuple[Any, ...]:
    row = await load_workflow(wid)
    return row.deployment_phase, row.deployment_reason, row.deployment_error


async def _deployment_events(wid: int) -> list[dict[str, Any]]:
    events = await Event.select().order_by(Event.id)
    payloads = [json.loads(event["payload"]) for event in events]
    return [p["deployment"] for p in payloads
            if p.get("workflowId") == wid and isinstance(p.get("deployment"), dict)]


async def test_unschedulable_is_a_reason_while_progressing_and_a_gpu_node_makes_it_available(
    factory: Factory, plane: ControlPlane  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    await deploy_workflow(org.owner, wid, GPU_SETTINGS)
    plane.settle()

    assert await reconcile_deployment_phases() == 1
    phase, reason, error = await _phase(wid)
    assert (phase, reason) == ("PROGRESSING", "Unschedulable")
    assert error.startswith("Unschedulable: pod ") and "0/0 nodes are available" in error
    assert await reconcile_deployment_phases() == 0  # nothing new: no event either

    plane.nodes.append(A100)
    plane.settle()
    assert await reconcile_deployment_phases() == 1

    row = await load_workflow(wid)
    assert (row.deployment_phase, row.deployment_reason, row.deployment_error) == (
        "AVAILABLE", None, None)
    (pod,) = plane.pods(row.deployment_name)
    assert row.deployment_pod_name == pod["metadata"]["name"]
    assert [e["phase"] for e in await _deployment_events(wid)] == [
        "PROGRESSING", "PROGRESSING", "AVAILABLE"]


async def test_a_deployment_failed_by_the_timeout_recovers_when_the_cluster_can_run_it(
    factory: Factory, plane: ControlPlane  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    await deploy_workflow(org.owner, wid, GPU_SETTINGS)
    plane.settle()
    await reconcile_deployment_phases()
    await fetch("UPDATE workflow SET deployment_phase_changed_at = now() - interval '1 hour'"
                " WHERE id = $1", wid)  # the timeout counts on the database clock

    assert await reconcile_deployment_phases() == 1
    phase, reason, error = await _phase(wid)
    assert (phase, reason) == ("FAILED", "Timeout")
    assert "Unschedulable: pod " in error  # says what it waited on
    assert await reconcile_deployment_phases() == 0  # still pending: FAILED stays FAILED

    plane.nodes.append(A100)
    plane.settle()
    assert await reconcile_deployment_phases() == 1
    assert (await _phase(wid))[:2] == ("AVAILABLE", None)


async def test_a_crash_loop_after_available_fails_the_deployment_until_it_recovers(
    factory: Factory, plane: ControlPlane  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    row = await deploy_workflow(org.owner, wid)
    plane.nodes.append(Node("cpu-1"))
    plane.settle()
    assert await reconcile_deployment_phases() == 1
    assert (await _phase(wid))[0] == "AVAILABLE"

    plane.crashing.add(row.deployment_name)
    plane.settle()
    assert await reconcile_deployment_phases() == 1

    phase, reason, error = await _phase(wid)
    assert (phase, reason) == ("FAILED", "CrashLoop")
    assert "CrashLoopBackOff" in error and "restarted 5 times" in error
    assert (await load_workflow(wid)).status == "active"
    plane.crashing.clear()
    plane.settle()
    assert await reconcile_deployment_phases() == 1
    assert (await _phase(wid))[0] == "AVAILABLE"
    assert [(e["phase"], e.get("reason")) for e in await _deployment_events(wid)][-2:] == [
        ("FAILED", "CrashLoop"), ("AVAILABLE", None)]


async def test_the_time_of_the_last_phase_change_is_recorded_on_the_database_clock(
    factory: Factory, plane: ControlPlane  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    await deploy_workflow(org.owner, wid, GPU_SETTINGS)
    deployed = await load_workflow(wid)
    assert deployed.deployment_phase_changed_at == deployed.deployed_at
    plane.settle()
    await reconcile_deployment_phases()  # PROGRESSING with a reason: the same phase
    assert (await load_workflow(wid)).deployment_phase_changed_at == deployed.deployed_at

    plane.nodes.append(A100)
    plane.settle()
    await reconcile_deployment_phases()

    available = await load_workflow(wid)
    (later,) = await fetch("SELECT deployment_phase_changed_at > deployed_at AS later,"
                           " deployment_phase_changed_at <= clock_timestamp() AS past"
                           " FROM workflow WHERE id = $1", wid)
    assert available.deployment_phase == "AVAILABLE" and later["later"] and later["past"]


async def test_watchers_running_at_once_record_each_change_once(
    factory: Factory, plane: ControlPlane  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    await deploy_workflow(org.owner, wid)
    plane.nodes.append(Node("cpu-1"))
    plane.settle()

    counts = await asyncio.gather(*(reconcile_deployment_phases() for _ in range(4)))

    assert sum(counts) == 1
    assert [e["phase"] for e in await _deployment_events(wid)] == ["PROGRESSING", "AVAILABLE"]


async def test_the_watch_records_a_phase_as_soon_as_the_cluster_reports_it(
    factory: Factory, plane: ControlPlane  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    await deploy_workflow(org.owner, wid)
    watch = asyncio.create_task(watch_deployment_phases())
    try:
        plane.nodes.append(Node("cpu-1"))
        plane.settle()  # nothing but the watch reconciles here
        for _ in range(1000):  # the row is what is observed: poll it (at most ~20 s)
            if (await _phase(wid))[0] == "AVAILABLE":
                break
            await asyncio.sleep(0.02)
    finally:
        watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch
    assert [e["phase"] for e in await _deployment_events(wid)] == ["PROGRESSING", "AVAILABLE"]


async def test_a_watch_of_an_unreachable_cluster_waits_before_it_is_started_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("FLOWPLANE_KUBECONFIG",
                       str(write_kubeconfig(tmp_path, f"http://127.0.0.1:{port}")))
    get_settings.cache_clear()
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    await watch_deployment_phases(sleep=sleep)  # returns, not raises: the scheduler restarts it

    assert waited == [5.0]


async def test_an_available_worker_whose_node_went_away_is_progressing_from_then_on(
    factory: Factory, fake: FakeCluster, plane: ControlPlane  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    row = await deploy_workflow(org.owner, wid, GPU_SETTINGS)
    plane.nodes.append(A100)
    plane.settle()
    await reconcile_deployment_phases()
    available = await load_workflow(wid)
    assert available.deployment_phase == "AVAILABLE"

    plane.nodes.clear()  # the node is drained and removed: its pod goes, a new one waits
    (pod,) = plane.pods(row.deployment_name)
    fake.delete(f"{NS}/pods/{pod['metadata']['name']}")
    plane.settle()
    assert await reconcile_deployment_phases() == 1

    waiting = await load_workflow(wid)
    assert (waiting.deployment_phase, waiting.deployment_reason) == (
        "PROGRESSING", "Unschedulable")
    assert waiting.deployment_phase_changed_at > available.deployment_phase_changed_at
    await fetch("UPDATE workflow SET deployed_at = now() - interval '1 day' WHERE id = $1", wid)
    assert await reconcile_deployment_phases() == 0  # the timeout counts from the change
