"""Any change that alters what a deployment renders redeploys it (`domain.redeploys`):
deployment settings saved through the API, a data source the nodes use, a rotated secret, an
environment rebuilt; nothing else is redeployed. The Kubernetes provisioner runs against the
mock cluster of tests/deploy over real HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from db.tables import DataSource, Environment
from domain import _envelope, redeploys, secret_store
from domain._sql import fetch
from domain.deployments import deploy_workflow
from domain.executions import load_workflow
from domain.redeploys import Redeploy, reconcile_builds_and_redeploy, redeploy_changed
from domain.resources import DATA_SOURCE, ENVIRONMENT
from domain.rows import WorkflowRow
from domain.settings import get_settings
from domain.spec.model import DeploymentSettings
from tests.deploy._cluster import FakeCluster
from tests.deploy._objects import secret_values
from tests.deploy.conftest import cluster, fake  # noqa: F401  (fixtures)
from tests.domain.test_deployments import (
    DEPLOYMENTS,
    NS,
    SALES,
    _kubernetes,
    acme,
    deployment,
    workflow,
)
from tests.domain.test_workflows import definition
from tests.factory import Factory

__all__ = ["_kubernetes", "cluster"]  # fixtures used by the tests below
JOBS = "/apis/batch/v1/namespaces/fp-builds/jobs"
PLAIN = [{"id": "hello", "type": "transform", "params": {"value": "hi"}}]


def services_of(kube: FakeCluster, row: WorkflowRow) -> dict[str, Any]:
    secret = kube.objects[f"{NS}/secrets/{row.deployment_name}-services"]
    services: dict[str, Any] = json.loads(secret_values(secret)["STRONGLY_SERVICES"])
    return services


def worker(kube: FakeCluster, row: WorkflowRow) -> dict[str, Any]:
    container: dict[str, Any] = deployment(kube, row)["spec"]["template"]["spec"]["containers"][0]
    return container


async def test_nothing_changed_redeploys_nothing(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    before = await deploy_workflow(org.owner, wid)
    fake.sent.clear()

    assert await redeploy_changed(org.owner.organization_id) == []

    assert not fake.requests("PATCH")
    assert (await load_workflow(wid)).deployed_at == before.deployed_at


async def test_a_changed_data_source_redeploys_only_the_workflows_that_use_it(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    uses = await workflow(org.owner)
    other = await workflow(org.owner, "other", nodes=PLAIN)
    await deploy_workflow(org.owner, uses)
    untouched = await deploy_workflow(org.owner, other)
    (source,) = await DataSource.select(DataSource.id).where(DataSource.name == "warehouse")

    await redeploys.update_resource(org.admin, DATA_SOURCE, source["id"], "warehouse", {
        "type": "postgres", "host": "db2.internal", "database": "sales",
        "passwordRef": {"secret": "warehouse-password"}})

    row = await load_workflow(uses)
    assert services_of(fake, row)["dataSources"]["warehouse"]["host"] == "db2.internal"
    assert row.deployment_phase == "PROGRESSING"
    assert (await load_workflow(other)).deployed_at == untouched.deployed_at


async def test_a_rotated_secret_redeploys_the_workflows_that_reference_it(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    uses = await workflow(org.owner)
    other = await workflow(org.owner, "other", nodes=PLAIN)
    await deploy_workflow(org.owner, uses)
    await deploy_workflow(org.owner, other)
    # The value changes under the same name (written below the store, whose set_secret would
    # itself call redeploy_changed: tested in test_deployments).
    org_id = org.owner.organization_id
    sealed = _envelope.encrypt_value(await secret_store.organization_data_key(org_id), org_id,
                                     "warehouse-password", "rotated-password")
    await fetch("UPDATE secret SET ciphertext = $1 WHERE name = 'warehouse-password'", sealed)

    assert await redeploy_changed(org.owner.organization_id) == []  # the reference is the same
    done = await redeploy_changed(org.owner.organization_id, rotated_secret="warehouse-password")

    assert done == [Redeploy(uses)]
    row = await load_workflow(uses)
    assert services_of(fake, row)["dataSources"]["warehouse"]["password"] == "rotated-password"


async def test_deployment_settings_saved_through_the_api_redeploy(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    await deploy_workflow(org.owner, wid)

    row = await redeploys.update_workflow(org.owner, wid, definition=definition(
        nodes=SALES, deployment={"cpu": 2, "memory": "4Gi"}))

    assert (row.deployment_cpu, row.deployment_memory, row.version) == (2.0, "4Gi", 2)
    assert worker(fake, row)["resources"]["limits"]["memory"] == "4Gi"
    assert worker(fake, row)["resources"]["requests"]["cpu"] == "2000m"


async def test_a_save_that_breaks_the_deployment_keeps_the_running_one(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    deployed = await deploy_workflow(org.owner, wid)
    missing = [{**SALES[0], "dataSource": "crm"}]

    row = await redeploys.update_workflow(org.owner, wid, definition=definition(nodes=missing))

    assert row.version == 2 and row.deployed_at == deployed.deployed_at
    assert f"{DEPLOYMENTS}/{deployed.deployment_name}" in fake.objects
    (failed,) = await redeploy_changed(org.owner.organization_id)
    assert failed.workflow_id == wid and "data source 'crm' does not exist" in str(failed.error)


async def test_a_rebuilt_environment_redeploys_with_the_new_image(
    factory: Factory, fake: FakeCluster, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setenv("FLOWPLANE_BUILD_REGISTRY", "registry.example")
    get_settings.cache_clear()
    org = await acme(factory)
    env = Environment(organization=org.owner.organization_id, name="torch",
                      dockerfile="FROM python:3.11\nRUN pip install torch")
    await env.save()
    wid = await workflow(org.owner)
    torch = DeploymentSettings(environment="torch")
    waiting = await deploy_workflow(org.owner, wid, torch)
    assert waiting.deployment_reason == "WaitingForEnvironment"
    _complete_builds(fake)
    assert await reconcile_builds_and_redeploy() == 1  # and the waiting deploy goes on
    first = worker(fake, await load_workflow(wid))["image"]

    await redeploys.update_resource(org.admin, ENVIRONMENT, env.id, "torch",
                                    {"dockerfile": "FROM python:3.12\nRUN pip install torch"})
    row = await load_workflow(wid)
    assert worker(fake, row)["image"] == first  # still building: the old image keeps running
    _complete_builds(fake)
    assert await reconcile_builds_and_redeploy() == 1

    image = worker(fake, await load_workflow(wid))["image"]
    assert image != first and image.startswith("registry.example/acme/torch:")


def _complete_builds(kube: FakeCluster) -> None:
    for path, job in kube.objects.items():
        if path.startswith(JOBS):
            job["status"] = {"conditions": [{"type": "Complete", "status": "True"}]}
