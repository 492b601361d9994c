"""Environment resolution (custom, image, baseImage, Dockerfile builds) against the real
database; builds go to the mock cluster of tests/deploy over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db.tables import Environment
from domain._sql import dumps, fetch, loads
from domain._workflow_store import load_row
from domain.access import Actor
from domain.deployments import DeploymentFailed, deploy_workflow
from domain.environments import EnvironmentNotReady, environment_image, reconcile_builds
from domain.node_types import node_types
from domain.provisioners import image_builder
from domain.redeploys import deploy_waiting, reconcile_builds_and_redeploy, update_resource
from domain.resources import ENVIRONMENT
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
    wid = int((await create_workflow(actor, "trainer", definition())).id)
    torch = DeploymentSettings(environment="torch")

    waiting = await deploy_workflow(actor, wid, torch)
    assert (waiting.status, waiting.deployment_phase, waiting.deployment_reason) == (
        "active", "PROGRESSING", "WaitingForEnvironment")
    assert waiting.deployment_name is None
    assert "waiting for environment 'torch'" in waiting.deployment_error
    assert "its build started" in waiting.deployment_error
    assert waiting.deployment_environment_id == "torch"  # the chosen settings are saved
    env = await Environment.select().where(Environment.name == "torch").first()
    assert env is not None and env["build_status"] == "building"
    again = await deploy_workflow(actor, wid, torch)
    assert "still being built" in again.deployment_error
    assert await deploy_waiting() == []  # the build is still under way: nothing to do

    [job] = [path for path in fake.objects if path.startswith(JOBS)]
    fake.objects[job]["status"] = {"conditions": [{"type": "Complete", "status": "True"}]}
    assert await reconcile_builds_and_redeploy() == 1  # the build is recorded, the deploy goes on

    row = await load_row(wid)
    assert row is not None and row.deployment_name is not None
    assert (row.deployment_phase, row.deployment_reason) == ("PROGRESSING", None)

    deployment = fake.objects[
        f"/apis/apps/v1/namespaces/fp-acme/deployments/{row.deployment_name}"]
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == env["built_image"] and image.startswith("registry.example/acme/torch:")
    assert row.deployment_environment_id == "torch"


async def test_a_deploy_waiting_for_a_build_that_fails_fails_with_the_builds_error(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await org_id(factory)
    user = await factory.user("alice", {"id": org})
    actor = Actor(user["id"], org, "member")
    wid = int((await create_workflow(actor, "trainer", definition())).id)
    waiting = await deploy_workflow(actor, wid, DeploymentSettings(environment="torch"))
    assert waiting.deployment_reason == "WaitingForEnvironment"

    [job] = [path for path in fake.objects if path.startswith(JOBS)]
    fake.objects[job]["status"] = {"conditions": [
        {"type": "Failed", "status": "True", "message": "Job has reached the backoff limit"}]}
    assert await reconcile_builds_and_redeploy() == 1

    row = await load_row(wid)
    assert row is not None and row.deployment_name is None
    assert (row.deployment_phase, row.deployment_reason) == (
        "FAILED", "EnvironmentNotReady")
    assert "failed: Job has reached the backoff limit" in row.deployment_error
    assert not [path for path in fake.objects if "/deployments/" in path]
    assert await deploy_waiting() == []  # failed for good: not tried again
    events = await fetch("SELECT payload FROM event WHERE stream = $1 ORDER BY seq",
                         f"workflow:{wid}")
    phases = [loads(e["payload"]).get("deployment", {}).get("phase") for e in events]
    assert phases[-2:] == ["PROGRESSING", "FAILED"]


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
    wid = int((await create_workflow(actor, "reporter", definition())).id)
    pkgs = DeploymentSettings(environment="pkgs")
    waiting = await deploy_workflow(actor, wid, pkgs)
    assert waiting.deployment_reason == "WaitingForEnvironment"
    assert "its build started" in waiting.deployment_error
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


@pytest.fixture
def shout_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test plugin of tests/engine/plugin_site installed in the platform (as pip would)."""
    info = tmp_path / "flowplane_test_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: flowplane-test-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[flowplane.node_types]\nshout = flowplane_test_plugin:SHOUT_ONLY\n")
    monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "engine" / "plugin_site"))
    monkeypatch.syspath_prepend(str(tmp_path))
    node_types.cache_clear()
    yield
    node_types.cache_clear()


async def test_a_deploy_needs_an_environment_that_provides_each_plugin_node_type(
    factory: Factory, fake: FakeCluster, shout_plugin: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org = await org_id(factory)
    await Environment(organization=org, name="shouting", image="ghcr.io/acme/shout:1",
                      node_types=dumps(["test.shout"])).save()
    user = await factory.user("alice", {"id": org})
    actor = Actor(user["id"], org, "member")
    nodes = [{"id": "a", "type": "transform", "params": {"value": "hi"}},
             {"id": "loud", "type": "test.shout", "params": {"text": "{{ nodes.a.output }}"}}]
    wid = (await create_workflow(actor, "shouter", definition(
        nodes=nodes, connections=[{"from": "a", "to": "loud"}]))).id

    for environment in ("custom", "prebuilt", "torch", "pkgs"):
        with pytest.raises(DeploymentFailed) as raised:
            await deploy_workflow(actor, wid, DeploymentSettings(environment=environment))
        assert raised.value.reason == "NodeTypeNotProvided"
        where = ("FLOWPLANE_BASE_IMAGE_NODE_TYPES (the operator's)" if environment == "custom"
                 else "the environment's nodeTypes")
        assert raised.value.problems == [
            f"node 'loud' has type 'test.shout', which environment {environment!r} does not "
            f"provide (it provides only the built-in types): install the plugin in its image "
            f"and name the type in {where}"]
    assert not [path for path in fake.objects if "/deployments/" in path or path.startswith(JOBS)]

    row = await deploy_workflow(actor, wid, DeploymentSettings(environment="shouting"))
    assert row.deployment_name is not None

    # Plugins the operator baked into the base image: custom and packages on it have them,
    # an image of the organization's own does not.
    monkeypatch.setenv("FLOWPLANE_BASE_IMAGE_NODE_TYPES", "test.shout, acme.other")
    get_settings.cache_clear()
    row = await deploy_workflow(actor, wid, DeploymentSettings(environment="custom"))
    assert row.deployment_environment_id == "custom"
    waiting = await deploy_workflow(actor, await _copy(actor, nodes), DeploymentSettings(
        environment="pkgs"))
    assert waiting.deployment_reason == "WaitingForEnvironment"  # past the type check
    with pytest.raises(DeploymentFailed, match="provides only the built-in types"):
        await deploy_workflow(actor, wid, DeploymentSettings(environment="based-pkgs"))


async def _copy(actor: Actor, nodes: list[dict[str, Any]]) -> int:
    created = await create_workflow(actor, "shouter-2", definition(
        nodes=nodes, connections=[{"from": "a", "to": "loud"}]))
    return created.id


async def test_a_deploy_waiting_for_a_build_follows_the_environments_new_settings(
    factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    org = await org_id(factory)
    user = await factory.user("alice", {"id": org})
    admin = Actor(user["id"], org, "admin")
    wid = int((await create_workflow(admin, "trainer", definition())).id)
    waiting = await deploy_workflow(admin, wid, DeploymentSettings(environment="torch"))
    assert waiting.deployment_reason == "WaitingForEnvironment"
    [old_job] = [path for path in fake.objects if path.startswith(JOBS)]
    env = await Environment.select().where(Environment.name == "torch").first()
    assert env is not None
    old_image = env["built_image"]

    # Saved again while its first build runs: a new content, so a new build is needed.
    await update_resource(admin, ENVIRONMENT, int(env["id"]), "torch",
                          {"dockerfile": "FROM python:3.11\nRUN pip install torch==2.5.1"})
    fake.objects[old_job]["status"] = {"conditions": [{"type": "Complete", "status": "True"}]}
    await reconcile_builds_and_redeploy()

    row = await load_row(wid)
    assert row is not None and row.deployment_name is None  # not on the superseded build
    assert row.deployment_reason == "WaitingForEnvironment", row.deployment_error
    env = await Environment.select().where(Environment.name == "torch").first()
    assert env is not None and env["build_status"] == "building"
    assert env["built_image"] != old_image
    [new_job] = [path for path in fake.objects if path.startswith(JOBS) and path != old_job]
    assert "torch==2.5.1" in _dockerfile(fake, str(env["id"]))

    fake.objects[new_job]["status"] = {"conditions": [{"type": "Complete", "status": "True"}]}
    await reconcile_builds_and_redeploy()
    row = await load_row(wid)
    assert row is not None and row.deployment_name is not None
    assert (row.deployment_phase, row.deployment_reason) == ("PROGRESSING", None)
    deployment = fake.objects[
        f"/apis/apps/v1/namespaces/fp-acme/deployments/{row.deployment_name}"]
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == env["built_image"]
