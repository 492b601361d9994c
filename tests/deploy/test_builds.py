"""Dockerfile environment builds: the rendered Dockerfile, strictly valid manifests, and the
builder over real HTTP against the mock cluster."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from deploy.builds import (
    BUILD_NAMESPACE,
    BuildRequest,
    build_handle_for,
    job_status,
    kubernetes_builder_from_config,
    render_build,
    with_flowplane_layer,
)
from tests.deploy._cluster import FakeCluster
from tests.deploy._validate import assert_valid
from tests.deploy.test_kustomize import by_kind

BASE = "ghcr.io/flowplane/flowplane:1.0"
REQUEST = BuildRequest(
    organization_id=7, organization_slug="acme", environment_id=3, environment_name="torch",
    dockerfile="FROM python:3.11-slim\nRUN pip install torch\n", base_image=BASE,
    registry="registry.example/flowplane/", builder_image="gcr.io/kaniko-project/executor:v1",
)


@pytest.mark.parametrize(("dockerfile", "stage", "first_line"), [
    ("FROM python:3.11\nRUN true\n", "environment", "FROM python:3.11 AS environment"),
    ("FROM golang AS build\nFROM --platform=linux/amd64 debian:12 AS app\n", "app",
     "FROM golang AS build"),
    ("from --platform=linux/arm64 debian:12\n", "environment",
     "from --platform=linux/arm64 debian:12 AS environment"),
])
def test_the_flowplane_layer_is_added_on_top_of_the_last_stage(
    dockerfile: str, stage: str, first_line: str
) -> None:
    rendered = with_flowplane_layer(dockerfile, BASE)
    assert rendered.splitlines()[0] == first_line
    assert f"FROM {BASE} AS flowplane-source\nFROM {stage}\n" in rendered
    assert rendered.rstrip().endswith('ENTRYPOINT ["flowplane"]')


def test_a_dockerfile_without_from_is_refused() -> None:
    with pytest.raises(ValueError, match="no FROM"):
        with_flowplane_layer("RUN true\n", BASE)


def test_the_image_tag_follows_the_dockerfile() -> None:
    handle = build_handle_for(REQUEST)
    assert handle.image.startswith("registry.example/flowplane/acme/torch:")
    assert build_handle_for(REQUEST) == handle
    changed = build_handle_for(replace(REQUEST, dockerfile="FROM debian:12\n"))
    assert changed.image != handle.image and changed.name != handle.name


@pytest.mark.parametrize("push_secret", [None, "registry-push"])
def test_rendered_build_objects_are_valid(push_secret: str | None) -> None:
    objects = render_build(replace(REQUEST, push_secret=push_secret))
    assert [obj["kind"] for obj in objects] == ["Namespace", "ConfigMap", "Job"]
    for obj in objects:
        assert_valid(obj)
    job = objects[2]
    args = job["spec"]["template"]["spec"]["containers"][0]["args"]
    assert f"--destination={build_handle_for(REQUEST).image}" in args
    assert objects[1]["data"]["Dockerfile"] == with_flowplane_layer(REQUEST.dockerfile, BASE)


@pytest.mark.parametrize(("conditions", "state"), [
    ([], "building"),
    ([{"type": "Complete", "status": "True"}], "ready"),
    ([{"type": "Failed", "status": "True", "message": "BackoffLimitExceeded"}], "failed"),
])
def test_job_status(conditions: list[dict[str, str]], state: str) -> None:
    assert job_status({"status": {"conditions": conditions}}).state == state
    assert job_status(None).state == "failed"


async def test_the_builder_applies_the_build_and_reads_its_job(
    cluster: tuple[FakeCluster, Path], fake: FakeCluster
) -> None:
    builder = kubernetes_builder_from_config(str(cluster[1]))

    handle = await builder.start(REQUEST)

    paths = [sent.path for sent in fake.requests("PATCH")]
    assert paths == [
        f"/api/v1/namespaces/{BUILD_NAMESPACE}",
        f"/apis/batch/v1/namespaces/{BUILD_NAMESPACE}/jobs/{handle.name}",
        f"/api/v1/namespaces/{BUILD_NAMESPACE}/configmaps/{handle.name}",
    ]
    assert (await builder.status(handle)).state == "building"
    job = fake.objects[paths[1]]
    job["status"] = {"conditions": [{"type": "Complete", "status": "True"}]}
    assert (await builder.status(handle)).state == "ready"


def _build_objects(fake: FakeCluster) -> list[str]:
    return sorted(path.rsplit("/", 2)[-2] + "/" + path.rsplit("/", 1)[-1]
                  for path in fake.objects if f"/namespaces/{BUILD_NAMESPACE}/" in path)


async def test_the_build_config_map_is_owned_by_its_job_and_goes_with_it(
    cluster: tuple[FakeCluster, Path], fake: FakeCluster
) -> None:
    builder = kubernetes_builder_from_config(str(cluster[1]))
    handle = await builder.start(REQUEST)
    job = fake.objects[f"/apis/batch/v1/namespaces/{BUILD_NAMESPACE}/jobs/{handle.name}"]
    config = fake.objects[f"/api/v1/namespaces/{BUILD_NAMESPACE}/configmaps/{handle.name}"]

    assert config["metadata"]["ownerReferences"] == [
        {"apiVersion": "batch/v1", "kind": "Job", "name": handle.name,
         "uid": job["metadata"]["uid"]}]
    fake.delete(f"/apis/batch/v1/namespaces/{BUILD_NAMESPACE}/jobs/{handle.name}")  # its TTL
    assert _build_objects(fake) == []


async def test_a_new_build_removes_the_superseded_build_of_the_environment(
    cluster: tuple[FakeCluster, Path], fake: FakeCluster
) -> None:
    builder = kubernetes_builder_from_config(str(cluster[1]))
    other = await builder.start(replace(REQUEST, environment_id=4, environment_name="other"))
    old = await builder.start(REQUEST)

    new = await builder.start(replace(REQUEST, dockerfile="FROM debian:12\n"))

    assert _build_objects(fake) == sorted(
        f"{kind}/{name}" for kind in ("configmaps", "jobs") for name in (new.name, other.name))
    assert old.name not in {new.name, other.name}
    deleted = [sent.path.rsplit("/", 2)[-2] for sent in fake.requests("DELETE")]
    assert deleted == ["jobs"]  # the ConfigMap went with its Job: the Role has no delete on it


async def test_every_request_of_the_builder_is_allowed_by_its_role(
    cluster: tuple[FakeCluster, Path], fake: FakeCluster
) -> None:
    builder = kubernetes_builder_from_config(str(cluster[1]))
    handle = await builder.start(REQUEST)
    await builder.start(replace(REQUEST, dockerfile="FROM debian:12\n"))
    await builder.status(handle)
    (role,) = by_kind("Role")
    granted = {(resource, verb) for rule in role["rules"] for resource in rule["resources"]
               for verb in rule["verbs"]}

    used = set()
    for sent in fake.sent:
        parts = sent.path.split("/")
        if "namespaces" not in parts or len(parts) <= parts.index("namespaces") + 2:
            continue  # the Namespace itself: the provisioner's ClusterRole
        resource = parts[parts.index("namespaces") + 2]
        single = len(parts) > parts.index("namespaces") + 3
        verb = {"PATCH": "patch", "DELETE": "delete", "GET": "get" if single else "list"}
        used.add((resource, verb[sent.method]))
        if sent.method == "PATCH":
            used.add((resource, "create"))  # server-side apply creates what is missing
    assert used <= granted and used >= {("jobs", "delete"), ("jobs", "list")}
