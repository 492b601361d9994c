"""deployWorkflow's `autoscale {min max}` through the real app on the mock cluster: typed
validation errors with field paths, the bounds on the workflow once deployed, and the precise
failures of a missing Prometheus URL or KEDA."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.settings import get_settings
from tests.deploy._cluster import FakeCluster
from tests.deploy.conftest import cluster, fake  # noqa: F401  (fixtures)
from tests.graphql_api.conftest import Cast
from tests.graphql_api.test_deployments import call, workflow
from tests.graphql_api.test_workflows import UPDATE

FIELDS = """
  __typename
  ... on Workflow { id version deploymentSettings { autoscale { min max } }
    deploymentAutoscaleMin deploymentAutoscaleMax deploymentPhase deploymentName }
  ... on DeploymentFailed { reason problems retryable }
  ... on InvalidInput { errors { field message } }
  ... on Error { message }
"""
DEPLOY = f"""mutation($id: ID!, $settings: DeployWorkflowInput) {{
  deployWorkflow(workflowId: $id, settings: $settings) {{ {FIELDS} }} }}"""
SCALED_OBJECTS = "/apis/keda.sh/v1alpha1/namespaces/fp-acme/scaledobjects"


@pytest.fixture(autouse=True)
def _kubernetes(
    cluster: tuple[FakeCluster, Path], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> Iterator[None]:
    monkeypatch.setenv("FLOWPLANE_KUBECONFIG", str(cluster[1]))
    monkeypatch.setenv("FLOWPLANE_PROMETHEUS_URL", "http://prometheus.monitoring:9090")
    monkeypatch.setenv("FLOWPLANE_AUTOSCALE_MAX_REPLICAS", "10")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_the_deployed_workflow_shows_its_autoscale_bounds(
    cast: Cast, fake: FakeCluster  # noqa: F811
) -> None:
    wid = await workflow(cast.owner)

    deployed = await call(cast.owner, DEPLOY, id=wid, settings={"autoscale": {"min": 0, "max": 3}})

    assert deployed["__typename"] == "Workflow", deployed
    assert deployed["deploymentSettings"]["autoscale"] == {"min": 0, "max": 3}
    assert (deployed["deploymentAutoscaleMin"], deployed["deploymentAutoscaleMax"]) == (0, 3)
    assert f"{SCALED_OBJECTS}/{deployed['deploymentName']}" in fake.objects

    fixed = await call(cast.owner, DEPLOY, id=wid, settings={})

    assert fixed["deploymentSettings"]["autoscale"] is None
    assert (fixed["deploymentAutoscaleMin"], fixed["deploymentAutoscaleMax"]) == (None, None)
    assert not [path for path in fake.objects if "scaledobjects" in path]


@pytest.mark.parametrize(("autoscale", "field", "says"), [
    ({"min": -1, "max": 2}, "settings.autoscale.min", "greater than or equal to 0"),
    ({"min": 0, "max": 0}, "settings.autoscale.max", "greater than or equal to 1"),
    ({"min": 3, "max": 2}, "settings.autoscale", "min (3) must not be greater than max (2)"),
    ({"min": 0, "max": 11}, "settings.autoscale.max", "at most 10 (the operator's limit"),
])
async def test_bad_bounds_are_invalid_input_naming_the_field(
    cast: Cast, fake: FakeCluster, autoscale: dict[str, int], field: str, says: str  # noqa: F811
) -> None:
    wid = await workflow(cast.owner)
    fake.sent.clear()

    invalid = await call(cast.owner, DEPLOY, id=wid, settings={"autoscale": autoscale})

    assert invalid["__typename"] == "InvalidInput", invalid
    (error,) = invalid["errors"]
    assert error["field"] == field and says in error["message"], error
    assert fake.sent == []


async def test_autoscale_saved_with_update_workflow_reads_back(cast: Cast) -> None:
    wid = await workflow(cast.owner)

    data = await cast.owner.gql(UPDATE, id=wid, input={
        "deployment": {"cpu": 1, "autoscale": {"min": 1, "max": 4}}})

    updated: dict[str, Any] = data["updateWorkflow"]
    assert updated["__typename"] == "Workflow", updated
    read = await call(cast.owner, f"""query($id: ID!) {{ workflow(id: $id) {{
        {FIELDS.split("... on DeploymentFailed")[0]} }} }}""", id=wid)
    assert read["deploymentSettings"]["autoscale"] == {"min": 1, "max": 4}
    assert read["deploymentAutoscaleMin"] is None  # saved, not deployed


async def test_missing_prometheus_url_and_missing_keda_are_named_reasons(
    cast: Cast, fake: FakeCluster, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    wid = await workflow(cast.owner)
    settings = {"autoscale": {"min": 0, "max": 2}}
    fake.keda = False

    missing = await call(cast.owner, DEPLOY, id=wid, settings=settings)
    assert (missing["__typename"], missing["reason"]) == ("DeploymentFailed",
                                                          "AUTOSCALER_MISSING"), missing

    monkeypatch.delenv("FLOWPLANE_PROMETHEUS_URL")
    get_settings.cache_clear()
    unconfigured = await call(cast.owner, DEPLOY, id=wid, settings=settings)
    assert unconfigured["reason"] == "AUTOSCALE_UNCONFIGURED", unconfigured
    assert "FLOWPLANE_PROMETHEUS_URL" in unconfigured["message"]
