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
        f"/api/v1/namespaces/{BUILD_NAMESPACE}/configmaps/{handle.name}",
        f"/apis/batch/v1/namespaces/{BUILD_NAMESPACE}/jobs/{handle.name}",
    ]
    assert (await builder.status(handle)).state == "building"
    job = fake.objects[paths[2]]
    job["status"] = {"conditions": [{"type": "Complete", "status": "True"}]}
    assert (await builder.status(handle)).state == "ready"
