from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import replace
from typing import Any

import pytest

from deploy.errors import PermanentDeployError
from deploy.manifests import (
    deployment_name_for,
    labels_for,
    namespace_for,
    render,
    selector_for,
)
from deploy.model import DeploymentRequest
from tests.deploy._objects import secret_values
from tests.deploy._validate import assert_valid

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SECRET_VALUE = "s3cr3t-password"

BASE = DeploymentRequest(
    organization_id=3,
    organization_slug="acme",
    workflow_id=42,
    workflow_name="Daily Sales Report",
    queue_name="flowplane:wf:42",
    image="ghcr.io/flowplane/flowplane:0.1.0",
    cpu=0.5,
    memory="1Gi",
    disk="5Gi",
    gpu=0,
    gpu_type=None,
    services={"dataSources": {"warehouse": {"password": SECRET_VALUE}}},
    env={"DATABASE_URL": f"postgresql://flow:{SECRET_VALUE}@db/flow", "REDIS_URL": "redis://r/0"},
)
GPU = replace(BASE, gpu=2, gpu_type="nvidia-a100")
CUSTOM_IMAGE = replace(BASE, image="registry.example/acme/env-7@sha256:" + "a" * 64, cpu=2.25)


def by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {obj["kind"]: obj for obj in objects}


def container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    pod = by_kind(objects)["Deployment"]["spec"]["template"]["spec"]
    (worker,) = pod["containers"]
    return dict(worker)


@pytest.mark.parametrize("req", [BASE, GPU, CUSTOM_IMAGE], ids=["plain", "gpu", "custom-image"])
def test_every_rendered_object_passes_strict_schema_validation(req: DeploymentRequest) -> None:
    objects = render(req)
    assert [obj["kind"] for obj in objects] == [
        "Namespace", "NetworkPolicy", "Secret", "Deployment"]
    for obj in objects:
        assert_valid(obj)


@pytest.mark.parametrize("req", [BASE, GPU, CUSTOM_IMAGE], ids=["plain", "gpu", "custom-image"])
def test_every_rendered_object_carries_the_owner_labels(req: DeploymentRequest) -> None:
    for obj in render(req):
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/managed-by"] == "flowplane"
        assert labels["flowplane.io/organization-id"] == "3"
        if obj["kind"] not in ("Namespace", "NetworkPolicy"):  # shared by the org's workflows
            assert labels["flowplane.io/workflow-id"] == "42"
    pod_labels = by_kind(render(req))["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert pod_labels == labels_for(3, 42)


def test_secret_values_appear_only_in_the_secret() -> None:
    kinds = by_kind(render(BASE))
    assert SECRET_VALUE not in json.dumps(kinds["Deployment"]) + json.dumps(kinds["Namespace"])
    assert "stringData" not in kinds["Secret"]
    data = secret_values(kinds["Secret"])
    assert json.loads(data["STRONGLY_SERVICES"]) == BASE.services
    assert data["DATABASE_URL"] == BASE.env["DATABASE_URL"]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container(render(BASE))["env"]
            if "valueFrom" in e}
    secret_name = kinds["Secret"]["metadata"]["name"]
    assert refs == {key: {"name": secret_name, "key": key}
                    for key in ("STRONGLY_SERVICES", "DATABASE_URL", "REDIS_URL")}


def test_changed_services_change_the_pod_template_so_workers_restart() -> None:
    def checksum(req: DeploymentRequest) -> str:
        template = by_kind(render(req))["Deployment"]["spec"]["template"]
        return str(template["metadata"]["annotations"]["flowplane.io/secret-checksum"])

    assert checksum(BASE) == checksum(replace(BASE))
    assert checksum(BASE) != checksum(replace(BASE, services={"models": {}}))


def test_the_secret_checksum_is_keyed_so_it_reveals_nothing_of_the_data() -> None:
    def checksum(req: DeploymentRequest) -> str:
        template = by_kind(render(req))["Deployment"]["spec"]["template"]
        return str(template["metadata"]["annotations"]["flowplane.io/secret-checksum"])

    keyed = replace(BASE, checksum_key=b"k" * 32)
    data = json.dumps(by_kind(render(keyed))["Secret"]["data"], sort_keys=True).encode()

    assert checksum(keyed) == hmac.new(b"k" * 32, data, hashlib.sha256).hexdigest()
    assert checksum(keyed) != hashlib.sha256(data).hexdigest()  # no guess can be checked
    assert checksum(keyed) != checksum(replace(keyed, checksum_key=b"j" * 32))
    assert checksum(keyed) == checksum(replace(keyed))
    assert checksum(keyed) != checksum(replace(keyed, env={**keyed.env, "X": "changed"}))
    assert "k" * 32 not in repr(keyed)


def test_worker_runs_the_workflow_queue_with_requests_and_limits() -> None:
    worker = container(render(CUSTOM_IMAGE))
    assert worker["image"] == CUSTOM_IMAGE.image
    assert worker["command"] == ["flowplane", "worker", "--queue", "flowplane:wf:42",
                                 "--metrics-port", "9100"]
    assert worker["ports"] == [{"name": "metrics", "containerPort": 9100, "protocol": "TCP"}]
    assert {"name": "FLOWPLANE_METRICS_HOST", "value": "0.0.0.0"} in worker["env"]
    amounts = {"cpu": "2250m", "memory": "1Gi", "ephemeral-storage": "5Gi"}
    assert worker["resources"] == {"requests": amounts, "limits": amounts}
    assert worker["securityContext"]["allowPrivilegeEscalation"] is False


def test_worker_pod_is_hardened_for_user_code() -> None:
    pod = by_kind(render(BASE))["Deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    worker = pod["containers"][0]
    assert worker["securityContext"] == {
        "allowPrivilegeEscalation": False, "privileged": False,
        "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True}
    # The pod holds one organization's credentials: python nodes may fall back to a scrubbed
    # child where the cluster forbids the namespaces bubblewrap needs.
    assert {"name": "FLOWPLANE_SANDBOX", "value": "auto"} in worker["env"]


def test_gpu_deployment_gets_gpu_limit_node_selector_and_toleration() -> None:
    pod = by_kind(render(GPU, gpu_label_key="example.com/gpu"))["Deployment"]["spec"]["template"]
    spec = pod["spec"]
    assert spec["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "2"
    assert "nvidia.com/gpu" not in spec["containers"][0]["resources"]["requests"]
    assert spec["nodeSelector"] == {"example.com/gpu": "nvidia-a100"}
    assert spec["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    ]
    default_key = by_kind(render(GPU))["Deployment"]["spec"]["template"]["spec"]["nodeSelector"]
    assert default_key == {"nvidia.com/gpu.product": "nvidia-a100"}


def test_gpu_worker_is_stopped_before_its_replacement_so_one_gpu_node_can_roll() -> None:
    strategy = by_kind(render(GPU))["Deployment"]["spec"]["strategy"]
    assert strategy == {"type": "RollingUpdate",
                        "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
    cpu = by_kind(render(BASE))["Deployment"]["spec"]["strategy"]
    assert cpu["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}


def test_gpu_type_that_is_no_label_value_is_never_rendered() -> None:
    with pytest.raises(PermanentDeployError, match="not a Kubernetes label value"):
        render(replace(GPU, gpu_type="NVIDIA A100 80GB"))


def test_cpu_only_deployment_has_no_gpu_scheduling_constraints() -> None:
    spec = by_kind(render(BASE))["Deployment"]["spec"]["template"]["spec"]
    assert "nodeSelector" not in spec and "tolerations" not in spec
    assert "nvidia.com/gpu" not in spec["containers"][0]["resources"]["limits"]


def test_invalid_request_is_refused_with_every_problem_listed() -> None:
    bad = replace(BASE, cpu=0, memory="1GB", disk="lots", image=" ", gpu_type="a100")
    with pytest.raises(PermanentDeployError) as caught:
        render(bad)
    assert caught.value.reason == "Invalid"
    for part in ("image is empty", "cpu must be > 0", "'1GB'", "'lots'", "gpuType 'a100'"):
        assert part in caught.value.message


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("acme", "fp-acme"),
        ("acme-corp", "fp-acme-corp"),
        ("Acme Corp", None),
        ("ünïcode_org", None),
        ("x" * 80, None),
        ("---", None),
    ],
)
def test_namespace_is_a_prefixed_dns_label(slug: str, expected: str | None) -> None:
    name = namespace_for(slug)
    assert DNS_LABEL.match(name) and len(name) <= 63 and name.startswith("fp-")
    assert name == namespace_for(slug)
    if expected is not None:
        assert name == expected


def test_cleaned_slugs_do_not_collide() -> None:
    assert namespace_for("Acme Corp") != namespace_for("acme-corp")
    assert namespace_for("Acme Corp") != namespace_for("acme corp")


@pytest.mark.parametrize("name", ["daily", "Daily Sales Report!", "x" * 200, "___", "ÄÖÜ"])
def test_deployment_name_is_a_stable_dns_label_with_the_workflow_id(name: str) -> None:
    result = deployment_name_for(123456, name)
    assert DNS_LABEL.match(result) and len(result) <= 63
    assert result.startswith("wf-123456") and result == deployment_name_for(123456, name)
    assert deployment_name_for(123457, name) != result


def test_selector_matches_the_workflow_labels() -> None:
    labels = labels_for(3, 42)
    for term in selector_for(42).split(","):
        key, value = term.split("=")
        assert labels[key] == value
