"""The deployment watcher: PROGRESSING deployments become AVAILABLE (pod name) or FAILED
(reason), announced as `workflow` events; the Kubernetes provisioner runs against the mock
cluster of tests/deploy over real HTTP."""

from __future__ import annotations

import json

from db.tables import Event
from domain._sql import fetch
from domain.deployments import deploy_workflow, reconcile_deployment_phases
from domain.dispatch import queue_for, workflow_queue
from domain.executions import load_workflow
from tests.deploy._cluster import FakeCluster
from tests.deploy.conftest import cluster, fake  # noqa: F401  (fixtures)
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
    assert (row["deployment_phase"], row["deployment_pod_name"]) == ("AVAILABLE", "worker-abc")
    assert queue_for(row) == workflow_queue(wid)
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
    assert row["deployment_phase"] == "FAILED"
    assert row["deployment_error"].startswith("ImagePull: ")
    assert "pull access denied" in row["deployment_error"]
    assert row["status"] == "active"


async def test_the_watcher_fails_a_deployment_that_stays_progressing_too_long(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    await deploy_workflow(org.owner, wid)
    await fetch("UPDATE workflow SET deployed_at = now() - interval '1 day' WHERE id = $1", wid)

    assert await reconcile_deployment_phases() == 1
    row = await load_workflow(wid)
    assert row["deployment_phase"] == "FAILED" and row["deployment_error"].startswith("Timeout")
