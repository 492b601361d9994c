"""Environment resolution (custom, image, baseImage, Dockerfile builds) against the real
database; builds go to the mock cluster of tests/deploy over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db.tables import Environment
from domain._sql import dumps
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
CONFIGS = "/api/v1/namespaces/fp-builds/configmaps"


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
        ("pkgs", {"python": dumps({"packages": ["six==1.17.0", "requests[socks]>=2"]})}),
        ("based-pkgs", {"base_image": "ghcr.io/acme/based:2",
                        "python": dumps({"packages": ["six"]})}),
        ("py39", {"python": dumps({"version": "3.9", "packages": ["six"]})}),
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


def _dockerfile(cluster: FakeCluster, environment: str) -> str:  # noqa: F811
    [config] = [obj for path, obj in cluster.objects.items()
                if path.startswith(CONFIGS) and obj["metadata"]["labels"][
                    "flowplane.io/environment-id"] == environment]
    return str(config["data"]["Dockerfile"])


async def test_python_packages_are_installed_by_a_build_from_wheels_only(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await org_id(factory)
    user = await factory.user("alice", {"id": org})
    actor = Actor(user["id"], org, "member")
    wid = int((await create_workflow(actor, "reporter", definition()))["id"])
    pkgs = DeploymentSettings(environment="pkgs")
    with pytest.raises(DeploymentFailed, match="its build started") as raised:
        await deploy_workflow(actor, wid, pkgs)
    assert raised.value.reason == "EnvironmentNotReady"
    rows = {r["name"]: r for r in await Environment.select()}
    dockerfile = _dockerfile(fake, str(rows["pkgs"]["id"]))
    assert dockerfile.startswith(f"# Rendered by Flowplane from the environment's python "
                                 f"packages.\nFROM {get_settings().base_image} AS environment\n")
    assert ('RUN ["pip", "install", "--no-cache-dir", "--no-input", "--only-binary", ":all:", '
            '"--", "six==1.17.0", "requests[socks]>=2"]') in dockerfile
    assert "pip install --no-cache-dir /opt/flowplane" in dockerfile  # the Flowplane layer
    assert rows["pkgs"]["build_status"] == "building"

    # A baseImage with packages is built FROM it, not used directly.
    with pytest.raises(EnvironmentNotReady, match="its build started"):
        await environment_image(org, "based-pkgs", image_builder())
    based = _dockerfile(fake, str(rows["based-pkgs"]["id"]))
    assert "\nFROM ghcr.io/acme/based:2 AS environment\n" in based


async def test_source_builds_are_the_operators_choice_and_python_must_be_the_platforms(
    factory: Factory, fake: FakeCluster, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    org = await org_id(factory)
    monkeypatch.setenv("FLOWPLANE_PYTHON_SOURCE_BUILDS", "true")
    get_settings.cache_clear()
    with pytest.raises(EnvironmentNotReady, match="its build started"):
        await environment_image(org, "pkgs", image_builder())
    [dockerfile] = [o["data"]["Dockerfile"] for p, o in fake.objects.items()
                    if p.startswith(CONFIGS)]
    assert '"--no-input", "--", "six==1.17.0"' in dockerfile and "only-binary" not in dockerfile
    with pytest.raises(EnvironmentNotReady, match=r"asks for Python 3\.9, but this "
                                                  r"installation runs Python 3\.\d+"):
        await environment_image(org, "py39", image_builder())
