"""A change in git that alters what an active workflow's deployment renders redeploys it, as
`deployWorkflow(settings)` does through the API: `spec.deployment`, and a data source its nodes
use. The Kubernetes provisioner runs against the mock cluster of tests/deploy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.settings import get_settings
from tests.deploy._cluster import FakeCluster
from tests.deploy._objects import secret_values
from tests.deploy.conftest import cluster, fake  # noqa: F401  (fixtures)
from tests.sync.conftest import Syncer
from tests.sync.gitrepo import GitRepo
from tests.sync.test_reconcile import workflows

DEPLOYMENTS = "/apis/apps/v1/namespaces/fp-acme/deployments"
SECRETS = "/api/v1/namespaces/fp-acme/secrets"


@pytest.fixture(autouse=True)
def _kubernetes(
    cluster: tuple[FakeCluster, Path], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> Iterator[None]:
    monkeypatch.setenv("FLOWPLANE_KUBECONFIG", str(cluster[1]))
    monkeypatch.setenv("WAREHOUSE_PASSWORD", "pw")
    # Operator references, allowed for acme under its prefix (domain.reference_rules).
    monkeypatch.setenv("FLOWPLANE_ENV_REF_PREFIXES", "acme=WAREHOUSE_")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def documents(cpu: float, host: str = "db.internal", memory: str = "1Gi",
              password: str = "WAREHOUSE_PASSWORD") -> str:
    return f"""apiVersion: flowplane/v1
kind: DataSource
metadata: {{name: warehouse, organization: acme}}
spec: {{type: postgres, host: {host}, database: sales, passwordRef: {{env: {password}}}}}
---
apiVersion: flowplane/v1
kind: Workflow
metadata: {{name: report, organization: acme}}
spec:
  state: active
  deployment: {{cpu: {cpu}, memory: {memory}}}
  nodes:
    - {{id: sales, type: source.postgres, dataSource: warehouse, params: {{query: select 1}}}}
"""


def worker(kube: FakeCluster, row: dict[str, Any]) -> dict[str, Any]:
    obj = kube.objects[f"{DEPLOYMENTS}/{row['deployment_name']}"]
    container: dict[str, Any] = obj["spec"]["template"]["spec"]["containers"][0]
    return container


async def test_changed_deployment_settings_in_git_redeploy_the_active_workflow(
    repo: GitRepo, sync: Syncer, fake: FakeCluster  # noqa: F811
) -> None:
    repo.write("workflows.d/report.yaml", documents(cpu=0.5))
    repo.commit()
    await sync()
    first = (await workflows())["report"]
    assert first["status"] == "active" and worker(fake, first)["resources"]["requests"]["cpu"] == (
        "500m")

    repo.write("workflows.d/report.yaml", documents(cpu=2, memory="4Gi"))
    repo.commit()
    report = await sync()

    assert report.status == "succeeded", report
    row = (await workflows())["report"]
    assert (row["deployment_cpu"], row["deployment_memory"]) == (2.0, "4Gi")
    assert worker(fake, row)["resources"]["requests"]["cpu"] == "2000m"
    assert worker(fake, row)["resources"]["limits"]["memory"] == "4Gi"
    assert row["deployed_at"] > first["deployed_at"]


async def test_a_data_source_changed_in_git_redeploys_the_workflows_using_it(
    repo: GitRepo, sync: Syncer, fake: FakeCluster  # noqa: F811
) -> None:
    repo.write("workflows.d/report.yaml", documents(cpu=0.5))
    repo.commit()
    await sync()

    repo.write("workflows.d/report.yaml", documents(cpu=0.5, host="db2.internal"))
    repo.commit()
    await sync()

    row = (await workflows())["report"]
    secret = secret_values(fake.objects[f"{SECRETS}/{row['deployment_name']}-services"])
    services = json.loads(secret["STRONGLY_SERVICES"])
    assert services["dataSources"]["warehouse"]["host"] == "db2.internal"


async def test_the_same_commit_synced_again_redeploys_nothing(
    repo: GitRepo, sync: Syncer, fake: FakeCluster  # noqa: F811
) -> None:
    repo.write("workflows.d/report.yaml", documents(cpu=0.5))
    repo.commit()
    await sync()
    first = (await workflows())["report"]
    fake.sent.clear()

    await sync()

    assert not fake.requests("PATCH")
    assert (await workflows())["report"]["deployed_at"] == first["deployed_at"]


async def test_a_git_change_whose_redeploy_fails_is_reported_and_keeps_the_running_workers(
    repo: GitRepo, sync: Syncer, fake: FakeCluster  # noqa: F811
) -> None:
    repo.write("workflows.d/report.yaml", documents(cpu=0.5))
    repo.commit()
    await sync()
    first = (await workflows())["report"]

    repo.write("workflows.d/report.yaml", documents(cpu=0.5, host="db2.internal",
                                                   password="WAREHOUSE_NOT_SET_ANYWHERE"))
    repo.commit()
    report = await sync()

    assert report.status == "partial"
    (failed,) = [r for r in report.results if r.status == "failed"]
    assert (failed.action.verb, failed.action.name) == ("deploy", "report")
    assert failed.action.path == "workflows.d/report.yaml"
    assert failed.error is not None and "WAREHOUSE_NOT_SET_ANYWHERE is not set" in failed.error
    row = (await workflows())["report"]
    assert row["sync_status"] == "failed" and "WAREHOUSE_NOT_SET_ANYWHERE" in row["sync_error"]
    assert row["deployed_at"] == first["deployed_at"]
    secret = secret_values(fake.objects[f"{SECRETS}/{row['deployment_name']}-services"])
    assert json.loads(secret["STRONGLY_SERVICES"])["dataSources"]["warehouse"]["host"] == (
        "db.internal")


async def test_a_failed_redeploy_is_retried_by_the_next_run_of_the_same_commit(
    repo: GitRepo, sync: Syncer, fake: FakeCluster, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    repo.write("workflows.d/report.yaml", documents(cpu=0.5))
    repo.commit()
    await sync()
    repo.write("workflows.d/report.yaml", documents(cpu=0.5, host="db2.internal",
                                                   password="WAREHOUSE_SET_LATER"))
    repo.commit()
    assert (await sync()).status == "partial"

    monkeypatch.setenv("WAREHOUSE_SET_LATER", "pw2")
    report = await sync()  # the same commit: nothing to plan, the redeploy is due

    assert report.status == "succeeded", report
    row = (await workflows())["report"]
    assert row["sync_status"] == "synced"
    secret = secret_values(fake.objects[f"{SECRETS}/{row['deployment_name']}-services"])
    warehouse = json.loads(secret["STRONGLY_SERVICES"])["dataSources"]["warehouse"]
    assert (warehouse["host"], warehouse["password"]) == ("db2.internal", "pw2")
