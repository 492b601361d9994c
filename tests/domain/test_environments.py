"""Environment resolution (custom, image, baseImage, Dockerfile builds) against the real
database; builds go to the mock cluster of tests/deploy over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db.tables import Environment
from domain.access import Actor
from domain.deployments import DeploymentFailed, deploy_workflow
from domain.environments import EnvironmentNotReady, environment_image, reconcile_builds
from domain.provisioners import image_builder
from domain.settings import get_settings
from domain.spec.model import DeploymentSettings
from domain.workflows import create_workflow
from tests.deploy._cluster import FakeCluster
from tests.deploy.conftest import cluster, fake  # noqa: F401  (fixtures)
from tests.domain.test_workflows import definition
from tests.factory import Factory

JOBS = "/apis/batch/v1/namespaces/fp-builds/jobs"


@pytest.fixture(autouse=True)
def _kubernetes(
    cluster: tuple[FakeCluster, Path], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> Iterator[None]:
    monkeypatch.setenv("FLOWPLANE_KUBECONFIG", str(cluster[1]))
    monkeypatch.setenv("FLOWPLANE_BUILD_REGISTRY", "registry.example")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def org_id(factory: Factory) -> int:
    org = await factory.org("acme")
    environments: list[tuple[str, dict[str, Any]]] = [
        ("prebuilt", {"image": "ghcr.io/acme/prebuilt:1"}),
        ("based", {"base_image": "ghcr.io/acme/based:2"}),
        ("torch", {"dockerfile": "FROM python:3.11\nRUN pip install torch"}),
    ]
    for name, columns in environments:
        await Environment(organization=org["id"], name=name, **columns).save()
    return int(org["id"])


async def test_images_and_base_images_are_used_directly_and_custom_is_the_base(
    factory: Factory,
) -> None:
    org = await org_id(factory)
    assert await environment_image(org, "custom", None) == get_settings().base_image
    assert await environment_image(org, "prebuilt", None) == "ghcr.io/acme/prebuilt:1"
    assert await environment_image(org, "based", None) == "ghcr.io/acme/based:2"
    with pytest.raises(EnvironmentNotReady, match="environment 'nope' does not exist"):
        await environment_image(org, "nope", None)
    with pytest.raises(EnvironmentNotReady, match="no image builder is configured"):
        await environment_image(org, "torch", None)


async def test_a_dockerfile_environment_is_built_before_it_can_be_deployed(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await org_id(factory)
    user = await factory.user("alice", {"id": org})
    actor = Actor(user["id"], org, "member")
    wid = int((await create_workflow(actor, "trainer", definition()))["id"])
    torch = DeploymentSettings(environment="torch")

    with pytest.raises(DeploymentFailed, match="its build started") as raised:
        await deploy_workflow(actor, wid, torch)
    assert raised.value.reason == "EnvironmentNotReady"
    env = await Environment.select().where(Environment.name == "torch").first()
    assert env is not None and env["build_status"] == "building"
    with pytest.raises(DeploymentFailed, match="still being built"):
        await deploy_workflow(actor, wid, torch)

    [job] = [path for path in fake.objects if path.startswith(JOBS)]
    fake.objects[job]["status"] = {"conditions": [{"type": "Complete", "status": "True"}]}
    assert await reconcile_builds(image_builder()) == 1

    row = await deploy_workflow(actor, wid, torch)

    deployment = fake.objects[
        f"/apis/apps/v1/namespaces/fp-acme/deployments/{row['deployment_name']}"]
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == env["built_image"] and image.startswith("registry.example/acme/torch:")
    assert row["deployment_environment_id"] == "torch"


async def test_a_failed_build_is_reported_with_its_error(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await org_id(factory)
    builder = image_builder()
    with pytest.raises(EnvironmentNotReady):
        await environment_image(org, "torch", builder)
    [job] = [path for path in fake.objects if path.startswith(JOBS)]
    fake.objects[job]["status"] = {"conditions": [
        {"type": "Failed", "status": "True", "message": "Job has reached the backoff limit"}]}
    assert await reconcile_builds() == 1

    with pytest.raises(EnvironmentNotReady, match="failed: Job has reached the backoff limit"):
        await environment_image(org, "torch", builder)
