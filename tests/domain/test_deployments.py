"""Deploy, undeploy, pause and the phase watcher against the real database, with the Kubernetes
provisioner talking real HTTP to the mock cluster of tests/deploy (every applied object is
validated against the official schemas at teardown)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from db.tables import AiModel, DataSource, Event, WorkflowStatusHistory
from domain import _envelope, secret_store
from domain._sql import fetch
from domain.access import Actor
from domain.deployments import (
    DeploymentFailed,
    deploy_workflow,
    pause_workflow,
    reconcile_deployment_phases,
    undeploy_workflow,
)
from domain.dispatch import DEFAULT_QUEUE, workflow_queue
from domain.errors import Forbidden
from domain.executions import load_execution, load_workflow, start_execution
from domain.pod_secrets import env_name
from domain.rows import WorkflowRow
from domain.services import services_from_env
from domain.settings import get_settings
from domain.spec.model import DeploymentSettings
from domain.workflow_removal import archive_workflow, delete_workflow
from domain.workflows import create_workflow, update_workflow
from tests.deploy._cluster import FakeCluster
from tests.deploy._objects import secret_values
from tests.deploy.conftest import cluster, fake  # noqa: F401  (fixtures)
from tests.domain.test_workflows import definition
from tests.factory import Factory

NS = "/api/v1/namespaces/fp-acme"
DEPLOYMENTS = "/apis/apps/v1/namespaces/fp-acme/deployments"
PASSWORD = "s3cret-warehouse-password"
GPU = DeploymentSettings(cpu=2, memory="8Gi", disk="20Gi", gpu=1, gpu_type="nvidia-a100")
SEED_FIELDS = ("deployment_environment_id", "deployment_cpu", "deployment_memory",
               "deployment_disk", "deployment_gpu", "deployment_gpu_type",
               "deployment_namespace", "deployment_name", "deployed_at")


@pytest.fixture(autouse=True)
def _kubernetes(
    cluster: tuple[FakeCluster, Path], monkeypatch: pytest.MonkeyPatch,  # noqa: F811
    secret_key: bytes,
) -> Iterator[None]:
    monkeypatch.setenv("FLOWPLANE_KUBECONFIG", str(cluster[1]))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@dataclass
class Org:
    owner: Actor
    reader: Actor
    admin: Actor


async def acme(factory: Factory) -> Org:
    org = await factory.org("acme")
    owner = await factory.user("alice", org)
    reader = await factory.user("bob", org)
    admin = await factory.user("root", org, "admin")
    await DataSource(organization=org["id"], name="warehouse", type="postgres",
                     config={"host": "db.internal", "database": "sales"},
                     secret_ref={"secret": "warehouse-password"}).save()
    await secret_store.set_secret(org["id"], "warehouse-password", PASSWORD, actor=None)
    return Org(Actor(owner["id"], org["id"], "member"), Actor(reader["id"], org["id"], "member"),
               Actor(admin["id"], org["id"], "admin"))


SALES = [{"id": "sales", "type": "source.postgres", "dataSource": "warehouse",
          "params": {"query": "select 1"}}]


async def workflow(actor: Actor, name: str = "daily-sales", **overrides: Any) -> int:
    row = await create_workflow(actor, name, definition(**{"nodes": SALES, **overrides}),
                                is_public=True)
    return row.id


def deployment(kube: FakeCluster, row: WorkflowRow) -> dict[str, Any]:
    obj: dict[str, Any] = kube.objects[f"{DEPLOYMENTS}/{row.deployment_name}"]
    return obj


def make_available(kube: FakeCluster, row: WorkflowRow, pod: str = "worker-abc") -> None:
    """What the cluster reports once the worker pod runs."""
    obj = deployment(kube, row)
    generation = obj["metadata"]["generation"]
    obj["status"] = {"observedGeneration": generation, "replicas": 1, "updatedReplicas": 1,
                     "availableReplicas": 1}
    labels = obj["spec"]["template"]["metadata"]["labels"]
    kube.put(f"{NS}/pods/{pod}", {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": pod, "namespace": "fp-acme", "labels": labels},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}})


async def test_deploy_applies_the_workers_and_records_the_seed_metadata(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)

    row = await deploy_workflow(org.owner, wid, GPU)

    assert row.status == "active" and row.deployment_phase == "PROGRESSING"
    assert (row.deployment_environment_id, row.deployment_cpu, row.deployment_memory,
            row.deployment_disk, row.deployment_gpu, row.deployment_gpu_type) == (
        "custom", 2.0, "8Gi", "20Gi", 1, "nvidia-a100")
    assert row.deployment_namespace == "fp-acme"
    assert row.deployment_name == f"wf-{wid}-daily-sales"
    assert row.deployed_at is not None and row.deployment_pod_name is None
    assert row.deployment_settings["gpuType"] == "nvidia-a100"
    assert row.version == 2  # the chosen settings were saved as a new version
    history = await WorkflowStatusHistory.select().where(
        WorkflowStatusHistory.workflow == wid).order_by(WorkflowStatusHistory.id)
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "draft"), ("draft", "active")]
    pod = deployment(fake, row)["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert pod["containers"][0]["command"] == [
        "flowplane", "worker", "--queue", workflow_queue(org.owner.organization_id, wid),
        "--metrics-port", "9100"]
    assert pod["containers"][0]["image"] == get_settings().base_image
    assert pod["nodeSelector"] == {"nvidia.com/gpu.product": "nvidia-a100"}


async def test_secrets_reach_only_the_kubernetes_secret(
    factory: Factory, fake: FakeCluster, secret_key: bytes  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    row = await deploy_workflow(org.owner, wid)

    secret = fake.objects[f"{NS}/secrets/{row.deployment_name}-services"]
    services = json.loads(secret_values(secret)["STRONGLY_SERVICES"])
    assert services["dataSources"]["warehouse"]["password"] == PASSWORD
    stored = json.dumps(await fetch("SELECT * FROM workflow"), default=str)
    events = json.dumps(await Event.select(), default=str)
    assert PASSWORD not in stored and PASSWORD not in events
    assert PASSWORD not in json.dumps(deployment(fake, row))
    # The master key stays in platform processes: no object sent to the cluster holds it.
    sent = json.dumps(fake.objects)
    assert _envelope.encode_key(secret_key) not in sent
    assert "FLOWPLANE_SECRET_KEY" not in sent


async def test_deploy_with_a_missing_data_source_changes_nothing(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    nodes = [SALES[0] | {"dataSource": "crm"},
             {"id": "summary", "type": "ai.chat", "model": "small-chat",
              "params": {"prompt": "hi"}}]
    wid = await workflow(org.owner, nodes=nodes)
    before = await load_workflow(wid)
    events_before = await Event.count()

    with pytest.raises(DeploymentFailed) as raised:
        await deploy_workflow(org.owner, wid, GPU)

    assert raised.value.reason == "MissingReference"
    assert raised.value.problems == ["data source 'crm' does not exist",
                                     "model 'small-chat' does not exist"]
    assert await load_workflow(wid) == before
    assert await Event.count() == events_before
    assert fake.sent == []  # the cluster was never touched


async def test_an_environment_that_is_not_usable_fails_before_the_cluster(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    before = await load_workflow(wid)
    with pytest.raises(DeploymentFailed, match="environment 'gpu-env' does not exist"):
        await deploy_workflow(org.owner, wid, DeploymentSettings(environment="gpu-env"))
    assert await load_workflow(wid) == before and fake.sent == []


async def test_a_cluster_error_keeps_the_previous_state_and_removes_what_was_created(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    before = await load_workflow(wid)
    fake.fail("PATCH", f"{DEPLOYMENTS}/.*", 403, 'exceeded quota: compute-resources')

    with pytest.raises(DeploymentFailed) as raised:
        await deploy_workflow(org.owner, wid)

    assert raised.value.reason == "QuotaExceeded" and not raised.value.retryable
    assert await load_workflow(wid) == before
    assert not [path for path in fake.objects if "/secrets/" in path]


async def test_force_redeploy_undeploys_first_then_applies(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    first = await deploy_workflow(org.owner, wid)
    fake.sent.clear()

    row = await deploy_workflow(org.owner, wid, DeploymentSettings(memory="4Gi"),
                                force_redeploy=True)

    writes = [(s.method, s.path.rsplit("/", 2)[-2]) for s in fake.sent if s.method != "GET"]
    assert writes == [("DELETE", "deployments"), ("DELETE", "secrets"), ("PATCH", "namespaces"),
                      ("PATCH", "networkpolicies"), ("PATCH", "secrets"), ("PATCH", "deployments")]
    assert row.deployment_memory == "4Gi" and row.deployment_phase == "PROGRESSING"
    assert row.deployed_at > first.deployed_at


async def test_pause_clears_the_fields_and_redeploy_uses_the_kept_settings(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    await deploy_workflow(org.owner, wid, GPU)

    paused = await pause_workflow(org.owner, wid)

    assert paused.status == "paused"
    assert all(getattr(paused, f) is None for f in (*SEED_FIELDS, "deployment_pod_name",
                                           "deployment_phase", "deployment_error"))
    assert not [p for p in fake.objects if "/deployments/" in p or "/secrets/" in p]
    assert paused.deployment_settings["gpu"] == 1

    again = await deploy_workflow(org.owner, wid)

    assert (again.status, again.deployment_gpu, again.deployment_cpu) == (
        "active", 1, 2.0)
    assert again.version == 2  # same settings: no new version
    assert deployment(fake, again)["spec"]["template"]["spec"]["nodeSelector"]


async def test_undeploy_pauses_an_active_workflow_and_clears_every_seed_field(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    await deploy_workflow(org.owner, wid)

    row = await undeploy_workflow(org.owner, wid)

    assert row.status == "paused" and all(getattr(row, f) is None for f in SEED_FIELDS)
    assert [s.method for s in fake.sent if s.method == "DELETE"] == ["DELETE", "DELETE"]


async def test_undeploy_moves_pending_executions_to_the_default_queue(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    make_available(fake, await deploy_workflow(org.owner, wid))
    await reconcile_deployment_phases()
    execution = await start_execution(wid, trigger_type="manual", triggered_by=None, input={})
    assert execution.queue_name == workflow_queue(org.owner.organization_id, wid)

    await undeploy_workflow(org.owner, wid)

    moved = await load_execution(int(execution.id))
    assert moved.queue_name == DEFAULT_QUEUE
    assert moved.dispatch_generation == execution.dispatch_generation + 1


async def test_a_webhook_workflow_gets_a_token_that_survives_redeploys(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner, trigger={"type": "webhook"})
    first = await deploy_workflow(org.owner, wid)
    assert first.webhook_token and len(first.webhook_token) >= 32
    await pause_workflow(org.owner, wid)
    again = await deploy_workflow(org.owner, wid, force_redeploy=True)
    assert again.webhook_token == first.webhook_token


async def test_only_writers_may_deploy_and_delete_undeploys_first(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    with pytest.raises(Forbidden):
        await deploy_workflow(org.reader, wid)
    await deploy_workflow(org.admin, wid)

    await delete_workflow(org.owner, wid)

    assert not [p for p in fake.objects if "/deployments/" in p or "/secrets/" in p]


async def test_archive_undeploys_first(factory: Factory, fake: FakeCluster) -> None:  # noqa: F811
    org = await acme(factory)
    wid = await workflow(org.owner)
    await deploy_workflow(org.owner, wid)
    assert [p for p in fake.objects if "/deployments/" in p]

    archived = await archive_workflow(org.owner, wid)

    assert archived.status == "archived"
    assert not [p for p in fake.objects if "/deployments/" in p or "/secrets/" in p]


async def test_workers_get_their_organizations_egress_allow_list_and_namespace_policy(
    factory: Factory, fake: FakeCluster, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setenv("FLOWPLANE_EGRESS_ALLOW_ACME", "10.7.0.0/16 db.internal")
    monkeypatch.setenv("FLOWPLANE_EGRESS_ALLOW_GLOBEX", "10.9.0.0/16")
    org = await acme(factory)
    row = await deploy_workflow(org.owner, await workflow(org.owner), GPU)
    secret = secret_values(fake.objects[f"{NS}/secrets/{row.deployment_name}-services"])
    assert secret["FLOWPLANE_EGRESS_ALLOW_ACME"] == "10.7.0.0/16 db.internal"
    assert "FLOWPLANE_EGRESS_ALLOW_GLOBEX" not in secret
    policy = fake.objects["/apis/networking.k8s.io/v1/namespaces/fp-acme/networkpolicies/"
                          "flowplane-egress"]
    blocks = [peer["ipBlock"]["cidr"] for rule in policy["spec"]["egress"]
              for peer in rule["to"] if "ipBlock" in peer]
    assert "10.7.0.0/16" in blocks and "10.9.0.0/16" not in blocks


async def test_a_save_that_lands_during_a_deploy_is_kept_and_deployed(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    await DataSource(organization=org.owner.organization_id, name="crm", type="postgres",
                     config={"host": "crm.internal"},
                     secret_ref={"secret": "warehouse-password"}).save()
    wid = await workflow(org.owner)
    crm = {"id": "crm", "type": "source.postgres", "dataSource": "crm",
           "params": {"query": "select 2"}}
    saved: list[int] = []

    async def save_meanwhile() -> None:  # while the API server answers the Deployment PATCH
        row = await update_workflow(org.owner, wid, definition=definition(
            nodes=[*SALES, crm], description="saved meanwhile"))
        saved.append(int(row.version))

    fake.before("PATCH", f"{DEPLOYMENTS}/.*", save_meanwhile)

    row = await deploy_workflow(org.owner, wid, GPU)

    assert saved == [2]  # the save landed between the plan and the record
    assert row.description == "saved meanwhile"
    assert [node["id"] for node in row.nodes] == ["sales", "crm"]
    assert row.deployment_settings["gpuType"] == "nvidia-a100"  # the deploy's save too
    assert row.version == 3
    secret = fake.objects[f"{NS}/secrets/{row.deployment_name}-services"]
    services = json.loads(secret_values(secret)["STRONGLY_SERVICES"])
    assert sorted(services["dataSources"]) == ["crm", "warehouse"]  # planned again from it


async def test_a_deploy_saved_over_at_every_attempt_fails_as_retryable_and_keeps_the_saves(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    wid = await workflow(org.owner)
    descriptions = iter(f"save {n}" for n in range(10))

    async def save_meanwhile() -> None:
        await update_workflow(org.owner, wid, definition=definition(
            nodes=SALES, description=next(descriptions)))

    fake.before("PATCH", f"{DEPLOYMENTS}/.*", save_meanwhile, times=10)

    with pytest.raises(DeploymentFailed) as caught:
        await deploy_workflow(org.owner, wid, GPU)

    assert caught.value.reason == "Conflict" and caught.value.retryable
    row = await load_workflow(wid)
    assert row.description == "save 2" and row.version == 4
    assert row.deployment_settings != GPU.model_dump(mode="json", by_alias=True)
    assert row.deployment_name is None and row.status == "draft"
    assert not [path for path in fake.objects if "/deployments/" in path]  # nothing left behind


async def test_changing_a_secret_redeploys_the_workflows_deployed_with_it(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    deployed = await deploy_workflow(org.owner, await workflow(org.owner))
    await DataSource(organization=org.owner.organization_id, name="other", type="postgres",
                     secret_ref={"secret": "other-password"}).save()
    await secret_store.set_secret(org.owner.organization_id, "other-password", "o", actor=None)
    other = await deploy_workflow(org.owner, await workflow(
        org.owner, "other-source", nodes=[{**SALES[0], "dataSource": "other"}]))

    def password(row: WorkflowRow, source: str) -> str:
        secret = fake.objects[f"{NS}/secrets/{row.deployment_name}-services"]
        services = json.loads(secret_values(secret)["STRONGLY_SERVICES"])
        return str(services["dataSources"][source]["password"])

    other_before = fake.objects[f"{NS}/secrets/{other.deployment_name}-services"]
    await secret_store.set_secret(org.owner.organization_id, "warehouse-password",
                                  "rotated-password", actor=None)

    assert password(deployed, "warehouse") == "rotated-password"
    # A workflow that does not use the secret is left alone.
    assert fake.objects[f"{NS}/secrets/{other.deployment_name}-services"] == other_before
    assert password(other, "other") == "o"


async def test_a_k8s_secret_is_wired_into_the_pod_and_never_read(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await acme(factory)
    await AiModel(organization=org.owner.organization_id, name="chat", model="gpt",
                  base_url="https://ai.example/v1",
                  secret_ref={"k8sSecret": {"name": "openai", "key": "api-key"}}).save()
    ask = {"id": "ask", "type": "ai.chat", "model": "chat", "params": {"prompt": "hi"}}
    row = await deploy_workflow(org.owner, await workflow(org.owner, nodes=[ask]))

    variable = env_name("openai", "api-key")
    [container] = deployment(fake, row)["spec"]["template"]["spec"]["containers"]
    wired = [e for e in container["env"] if e["name"] == variable]
    assert wired == [{"name": variable, "valueFrom": {"secretKeyRef": {
        "name": "openai", "key": "api-key"}}}]
    stored = secret_values(fake.objects[f"{NS}/secrets/{row.deployment_name}-services"])
    services = json.loads(stored["STRONGLY_SERVICES"])
    assert services["models"]["chat"]["apiKey"] is None
    # The worker fills the value in from the variable the pod got from its namespace's Secret.
    env = {"STRONGLY_SERVICES": stored["STRONGLY_SERVICES"],
           "FLOWPLANE_WORKFLOW_ID": str(row.id), variable: "sk-from-the-namespace"}
    found = services_from_env(row.id, env)
    assert found is not None and found["models"]["chat"]["apiKey"] == "sk-from-the-namespace"
    assert "secretEnv" not in found["models"]["chat"]
