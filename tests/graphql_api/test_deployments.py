"""deployWorkflow / undeployWorkflow / pauseWorkflow through the real app, with the Kubernetes
provisioner on the mock cluster of tests/deploy (and once with the local provisioner)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db.tables import DataSource
from domain.settings import get_settings
from tests.deploy._cluster import FakeCluster
from tests.deploy.conftest import cluster, fake  # noqa: F401  (fixtures)
from tests.graphql_api.conftest import Caller, Cast
from tests.graphql_api.test_executions import key
from tests.graphql_api.test_workflows import CREATE, SHARE, UPDATE

FIELDS = """
  __typename
  ... on Workflow { id status version webhookUrl deploymentSettings { environment cpu gpu gpuType }
    deploymentEnvironmentId deploymentCpu deploymentMemory deploymentDisk deploymentGpu
    deploymentGpuType deploymentNamespace deploymentName deploymentPodName deploymentPhase
    deploymentError deployedAt }
  ... on DeploymentFailed { reason problems retryable code }
  ... on InvalidInput { errors { field message } }
  ... on Error { message }
"""
DEPLOY = f"""mutation($id: ID!, $settings: DeployWorkflowInput, $force: Boolean! = false) {{
  deployWorkflow(workflowId: $id, settings: $settings, forceRedeploy: $force) {{ {FIELDS} }} }}"""
UNDEPLOY = f"mutation($id: ID!) {{ undeployWorkflow(workflowId: $id) {{ {FIELDS} }} }}"
PAUSE = f"mutation($id: ID!) {{ pauseWorkflow(workflowId: $id) {{ {FIELDS} }} }}"
GET = f"""query($id: ID!) {{ workflow(id: $id) {{
  {FIELDS.split("... on DeploymentFailed")[0]} }} }}"""
SEED = ("deploymentEnvironmentId", "deploymentCpu", "deploymentMemory", "deploymentDisk",
        "deploymentGpu", "deploymentGpuType", "deploymentNamespace", "deploymentName",
        "deploymentPodName", "deploymentPhase", "deploymentError", "deployedAt")
GPU = {"cpu": 2, "memory": "8Gi", "disk": "20Gi", "gpu": 1, "gpuType": "nvidia-a100"}
DEPLOYMENTS = "/apis/apps/v1/namespaces/fp-acme/deployments"


@pytest.fixture(autouse=True)
def _kubernetes(
    cluster: tuple[FakeCluster, Path], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> Iterator[None]:
    monkeypatch.setenv("FLOWPLANE_KUBECONFIG", str(cluster[1]))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def workflow(caller: Caller, data_source: str = "warehouse", **extra: Any) -> str:
    await DataSource(organization=caller.org["id"], name="warehouse", type="postgres",
                     config={"host": "db.internal"}).save()
    nodes = [{"id": "sales", "type": "source.postgres", "dataSource": data_source,
              "params": {"query": "select 1"}}]
    data = await caller.gql(CREATE, input={"name": "daily-sales", "nodes": nodes,
                                           "isPublic": True, **extra})
    assert data["createWorkflow"]["__typename"] == "Workflow", data
    return str(data["createWorkflow"]["id"])


async def call(caller: Caller, query: str, **variables: Any) -> dict[str, Any]:
    data = await caller.gql(query, **variables)
    result: dict[str, Any] = next(iter(data.values()))
    return result


async def test_deploy_returns_the_active_workflow_with_the_seed_metadata(
    cast: Cast, fake: FakeCluster  # noqa: F811
) -> None:
    wid = await workflow(cast.owner)

    deployed = await call(cast.owner, DEPLOY, id=wid, settings=GPU)

    assert deployed["__typename"] == "Workflow", deployed
    assert (deployed["status"], deployed["deploymentPhase"]) == ("ACTIVE", "PROGRESSING")
    assert [deployed[f] for f in SEED[:8]] == [
        "custom", 2.0, "8Gi", "20Gi", 1, "nvidia-a100", "fp-acme", f"wf-{key(wid)}-daily-sales"]
    assert deployed["deployedAt"] and deployed["deploymentPodName"] is None
    assert deployed["deploymentSettings"] == {
        "environment": "custom", "cpu": 2.0, "gpu": 1, "gpuType": "nvidia-a100"}
    pod = fake.objects[f"{DEPLOYMENTS}/wf-{key(wid)}-daily-sales"]["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert deployed["webhookUrl"] is None  # a manual trigger


async def test_only_those_who_may_change_the_workflow_may_deploy_it(cast: Cast) -> None:
    wid = await workflow(cast.owner)
    await cast.owner.gql(SHARE, w=wid, u=cast.shared.id)

    assert (await call(cast.other, DEPLOY, id=wid))["__typename"] == "Forbidden"
    assert (await call(cast.stranger, DEPLOY, id=wid))["__typename"] == "WorkflowNotFound"
    assert (await call(cast.other, PAUSE, id=wid))["__typename"] == "Forbidden"
    assert (await call(cast.shared, DEPLOY, id=wid))["__typename"] == "Workflow"
    assert (await call(cast.admin, UNDEPLOY, id=wid))["__typename"] == "Workflow"


async def test_a_deploy_with_a_missing_data_source_changes_nothing(
    cast: Cast, fake: FakeCluster  # noqa: F811
) -> None:
    wid = await workflow(cast.owner, data_source="crm")
    before = await call(cast.owner, GET, id=wid)

    failed = await call(cast.owner, DEPLOY, id=wid, settings=GPU)

    assert failed["__typename"] == "DeploymentFailed", failed
    assert failed["reason"] == "MISSING_REFERENCE" and not failed["retryable"]
    assert failed["code"] == "DEPLOYMENT_FAILED"
    assert failed["problems"] == ["data source 'crm' does not exist"]
    assert await call(cast.owner, GET, id=wid) == before
    assert fake.sent == []


async def test_invalid_settings_name_their_fields(cast: Cast) -> None:
    wid = await workflow(cast.owner)

    for settings, field in (({"memory": "lots"}, "settings.memory"),
                            ({"cpu": 0}, "settings.cpu"),
                            ({"gpu": 1}, "settings")):  # gpuType is required when gpu > 0
        invalid = await call(cast.owner, DEPLOY, id=wid, settings=settings)
        assert invalid["__typename"] == "InvalidInput", invalid
        assert [error["field"] for error in invalid["errors"]] == [field], invalid


async def test_a_gpu_type_that_is_no_label_value_is_refused_before_the_cluster(
    cast: Cast, fake: FakeCluster  # noqa: F811
) -> None:
    wid = await workflow(cast.owner)

    invalid = await call(cast.owner, DEPLOY, id=wid, settings=GPU | {"gpuType": "NVIDIA A100 80GB"})

    assert invalid["__typename"] == "InvalidInput", invalid
    (error,) = invalid["errors"]
    assert error["field"] == "settings.gpuType"
    assert "is not a Kubernetes label value" in error["message"]
    assert fake.sent == []


async def test_deployment_settings_saved_with_update_workflow_redeploy_the_active_workflow(
    cast: Cast, fake: FakeCluster  # noqa: F811
) -> None:
    wid = await workflow(cast.owner)
    await call(cast.owner, DEPLOY, id=wid)

    saved = await call(cast.owner, UPDATE, id=wid, input={"deployment": {"memory": "3Gi"}})

    assert saved["__typename"] == "Workflow", saved
    after = await call(cast.owner, GET, id=wid)
    assert (after["deploymentMemory"], after["deploymentPhase"]) == ("3Gi", "PROGRESSING")
    deployment = fake.objects[f"{DEPLOYMENTS}/{after['deploymentName']}"]
    limits = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert limits["memory"] == "3Gi"


async def test_pause_then_deploy_again_restores_the_kept_settings(
    cast: Cast, fake: FakeCluster  # noqa: F811
) -> None:
    wid = await workflow(cast.owner)
    await call(cast.owner, DEPLOY, id=wid, settings=GPU)

    paused = await call(cast.owner, PAUSE, id=wid)

    assert paused["status"] == "PAUSED" and all(paused[f] is None for f in SEED)
    assert not [p for p in fake.objects if "/deployments/" in p]
    again = await call(cast.owner, DEPLOY, id=wid)
    assert (again["status"], again["deploymentGpuType"], again["deploymentCpu"]) == (
        "ACTIVE", "nvidia-a100", 2.0)


async def test_force_redeploy_replaces_the_deployment_and_undeploy_clears_it(
    cast: Cast, fake: FakeCluster  # noqa: F811
) -> None:
    wid = await workflow(cast.owner)
    first = await call(cast.owner, DEPLOY, id=wid)
    fake.sent.clear()

    forced = await call(cast.owner, DEPLOY, id=wid, settings={"memory": "2Gi"}, force=True)

    assert forced["deploymentMemory"] == "2Gi" and forced["deployedAt"] > first["deployedAt"]
    methods = [s.method for s in fake.sent if s.method != "GET"]
    assert methods == ["DELETE", "DELETE", "PATCH", "PATCH", "PATCH", "PATCH"]
    undeployed = await call(cast.owner, UNDEPLOY, id=wid)
    assert undeployed["status"] == "PAUSED" and all(undeployed[f] is None for f in SEED)
    assert undeployed["deploymentSettings"]["environment"] == "custom"


async def test_a_webhook_workflow_gets_its_url_and_secrets_stay_out_of_the_api(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    wid = await workflow(cast.owner, trigger={"type": "WEBHOOK"})

    deployed = await call(cast.owner, DEPLOY, id=wid)

    assert deployed["webhookUrl"].startswith(f"{get_settings().public_url}/webhooks/")
    assert "STRONGLY_SERVICES" not in json.dumps(deployed)


async def test_the_local_provisioner_deploys_when_no_cluster_is_configured(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLOWPLANE_KUBECONFIG")
    get_settings.cache_clear()
    wid = await workflow(cast.owner)

    deployed = await call(cast.owner, DEPLOY, id=wid)

    assert (deployed["deploymentNamespace"], deployed["deploymentPhase"]) == (
        "local", "PROGRESSING")
    custom = await call(cast.owner, DEPLOY, id=wid, settings={"environmentId": "torch"})
    assert custom["__typename"] == "DeploymentFailed" and "torch" in custom["message"]
    assert (await call(cast.owner, PAUSE, id=wid))["deploymentNamespace"] is None
