from __future__ import annotations

import json
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from deploy.errors import PermanentDeployError, TemporaryDeployError
from deploy.kubernetes import KubernetesProvisioner, kubernetes_provisioner_from_config
from deploy.model import DeploymentHandle
from tests.deploy._cluster import FakeCluster, write_kubeconfig
from tests.deploy._objects import DEPLOYMENTS, NAME, NETWORK_POLICY, NS, SECRETS, secret_values
from tests.deploy._validate import assert_valid
from tests.deploy.test_manifests import BASE, GPU

SCALED_OBJECTS = "/apis/keda.sh/v1alpha1/namespaces/fp-acme/scaledobjects"


def assert_all_sent_manifests_valid(fake: FakeCluster) -> None:
    applied = fake.applied()
    assert applied
    for obj in applied:
        assert_valid(obj)


async def test_deploy_applies_namespace_secret_and_deployment_server_side(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    handle = await provisioner.deploy(BASE)

    assert handle == DeploymentHandle(namespace="fp-acme", name=NAME)
    patches = fake.requests("PATCH")
    assert [p.path for p in patches] == [
        NS, NETWORK_POLICY, f"{SECRETS}/{NAME}-services", f"{DEPLOYMENTS}/{NAME}"
    ]
    for sent in patches:
        assert sent.content_type == "application/apply-patch+yaml"
        assert sent.params == {"fieldManager": "flowplane", "force": "true"}
    assert [p.data["kind"] for p in patches] == [
        "Namespace", "NetworkPolicy", "Secret", "Deployment"]
    assert_all_sent_manifests_valid(fake)
    assert not fake.requests("POST") and not fake.requests("DELETE")


async def test_redeploy_applies_the_same_objects_again_and_changes_nothing(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    await provisioner.deploy(BASE)
    first = dict(fake.objects)
    first_bodies = fake.applied()
    fake.sent.clear()

    await provisioner.deploy(BASE)

    assert fake.applied() == first_bodies
    assert fake.objects == first
    assert fake.objects[f"{DEPLOYMENTS}/{NAME}"]["metadata"]["generation"] == 1
    assert not fake.requests("DELETE")


async def test_force_redeploy_undeploys_then_applies_everything_again(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    await provisioner.deploy(BASE)
    fake.sent.clear()

    await provisioner.undeploy("fp-acme", 42)
    await provisioner.deploy(replace(BASE, memory="2Gi"))

    writes = [(s.method, s.path) for s in fake.sent if s.method != "GET"]
    assert writes == [
        ("DELETE", f"{DEPLOYMENTS}/{NAME}"), ("DELETE", f"{SECRETS}/{NAME}-services"),
        ("PATCH", NS), ("PATCH", NETWORK_POLICY), ("PATCH", f"{SECRETS}/{NAME}-services"),
        ("PATCH", f"{DEPLOYMENTS}/{NAME}"),
    ]
    limits = fake.objects[f"{DEPLOYMENTS}/{NAME}"]["spec"]["template"]["spec"]["containers"][0]
    assert limits["resources"]["limits"]["memory"] == "2Gi"
    assert_all_sent_manifests_valid(fake)


async def test_a_key_removed_from_the_desired_secret_disappears_from_the_cluster(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    await provisioner.deploy(replace(BASE, env=BASE.env | {"LEGACY_TOKEN": "old-token"}))
    assert "LEGACY_TOKEN" in secret_values(fake.objects[f"{SECRETS}/{NAME}-services"])

    await provisioner.deploy(BASE)

    stored = secret_values(fake.objects[f"{SECRETS}/{NAME}-services"])
    assert sorted(stored) == ["DATABASE_URL", "REDIS_URL", "STRONGLY_SERVICES"]
    assert "old-token" not in json.dumps(fake.objects)
    assert_all_sent_manifests_valid(fake)


async def test_redeploy_under_a_new_name_removes_the_old_objects(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    await provisioner.deploy(BASE)
    await provisioner.deploy(replace(BASE, workflow_name="renamed"))

    assert sorted(p for p in fake.objects if "/wf-42" in p) == [
        f"{SECRETS}/wf-42-renamed-services", f"{DEPLOYMENTS}/wf-42-renamed"
    ]
    assert_all_sent_manifests_valid(fake)


async def test_undeploy_deletes_deployment_and_secret_selected_by_owner_label(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    await provisioner.deploy(BASE)
    await provisioner.deploy(replace(BASE, workflow_id=43, workflow_name="other"))
    fake.sent.clear()

    await provisioner.undeploy("fp-acme", 42)

    selector = "app.kubernetes.io/managed-by=flowplane,flowplane.io/workflow-id=42"
    lists = fake.requests("GET")
    assert [(s.path, s.params) for s in lists] == [
        ("/apis/keda.sh/v1alpha1/", {}),  # is KEDA installed (it is, in the mock)?
        (SCALED_OBJECTS, {"labelSelector": selector}),
        (DEPLOYMENTS, {"labelSelector": selector}), (SECRETS, {"labelSelector": selector})
    ]
    assert [s.path for s in fake.requests("DELETE")] == [
        f"{DEPLOYMENTS}/{NAME}", f"{SECRETS}/{NAME}-services"
    ]
    assert f"{DEPLOYMENTS}/wf-43-other" in fake.objects  # another workflow's: untouched
    assert NS in fake.objects  # the organization's namespace stays


async def test_undeploy_of_nothing_deployed_is_a_no_op(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    await provisioner.undeploy("fp-acme", 42)
    assert not fake.requests("DELETE")


async def test_gpu_deployment_sends_gpu_limits_node_selector_and_tolerations(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    await provisioner.deploy(GPU)

    (sent,) = fake.requests("PATCH", f"{DEPLOYMENTS}/.*")
    pod = sent.data["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "2"
    assert pod["nodeSelector"] == {"nvidia.com/gpu.product": "nvidia-a100"}
    assert pod["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    ]
    assert_all_sent_manifests_valid(fake)


async def test_switching_from_gpu_to_cpu_drops_the_gpu_fields_from_the_applied_object(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    await provisioner.deploy(GPU)
    await provisioner.deploy(BASE)

    pod = fake.objects[f"{DEPLOYMENTS}/{NAME}"]["spec"]["template"]["spec"]
    assert "nodeSelector" not in pod and "tolerations" not in pod


async def test_secret_values_are_sent_only_in_the_secret(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    await provisioner.deploy(BASE)
    for sent in fake.sent:
        if sent.data is not None and sent.data.get("kind") != "Secret":
            assert "s3cr3t-password" not in str(sent.data)


@pytest.mark.parametrize(
    ("status", "message", "reason"),
    [
        (403, 'deployments.apps "x" is forbidden: User "sa" cannot patch', "Forbidden"),
        (422, 'Deployment.apps "x" is invalid: spec.template: Required value', "Invalid"),
        (409, "Apply failed with 1 conflict", "Conflict"),
    ],
)
async def test_rejected_deployment_is_a_permanent_error_and_the_created_secret_is_removed(
    provisioner: KubernetesProvisioner, fake: FakeCluster, status: int, message: str, reason: str
) -> None:
    fake.fail("PATCH", f"{DEPLOYMENTS}/.*", status, message)

    with pytest.raises(PermanentDeployError) as caught:
        await provisioner.deploy(BASE)

    assert caught.value.reason == reason
    assert message in caught.value.message and NAME in caught.value.message
    assert [s.path for s in fake.requests("DELETE")] == [f"{SECRETS}/{NAME}-services"]
    # The organization's namespace and its NetworkPolicy are shared: never deleted.
    assert list(fake.objects) == [NS, NETWORK_POLICY]


async def test_quota_exceeded_is_reported_as_such(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    quota = ('secrets "x" is forbidden: exceeded quota: object-counts, requested: secrets=1, '
             "used: secrets=10, limited: secrets=10")
    fake.fail("PATCH", f"{SECRETS}/.*", 403, quota)

    with pytest.raises(PermanentDeployError) as caught:
        await provisioner.deploy(BASE)

    assert caught.value.reason == "QuotaExceeded" and "limited: secrets=10" in caught.value.message
    assert not fake.requests("PATCH", f"{DEPLOYMENTS}/.*")
    assert not fake.requests("DELETE")  # nothing of the workflow was created


async def test_server_error_is_temporary_and_rolls_back(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    fake.fail("PATCH", f"{DEPLOYMENTS}/.*", 503, "etcdserver: leader changed")

    with pytest.raises(TemporaryDeployError) as caught:
        await provisioner.deploy(BASE)

    assert caught.value.reason == "ServerError" and caught.value.delay > 0
    assert "leader changed" in caught.value.message
    assert f"{SECRETS}/{NAME}-services" not in fake.objects


async def test_failed_redeploy_keeps_objects_that_existed_before(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    await provisioner.deploy(BASE)
    fake.fail("PATCH", f"{DEPLOYMENTS}/.*", 422, "invalid")

    with pytest.raises(PermanentDeployError):
        await provisioner.deploy(replace(BASE, cpu=1.0))

    assert not fake.requests("DELETE")
    assert {f"{SECRETS}/{NAME}-services", f"{DEPLOYMENTS}/{NAME}"} <= set(fake.objects)


async def test_a_failing_rollback_does_not_hide_the_original_error(
    provisioner: KubernetesProvisioner, fake: FakeCluster
) -> None:
    fake.fail("PATCH", f"{DEPLOYMENTS}/.*", 403, "forbidden")
    fake.fail("DELETE", ".*", 500, "down")

    with pytest.raises(PermanentDeployError) as caught:
        await provisioner.deploy(BASE)

    assert caught.value.reason == "Forbidden"


async def test_unreachable_cluster_is_a_temporary_error(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    kubeconfig = write_kubeconfig(tmp_path, f"http://127.0.0.1:{port}")
    provisioner = kubernetes_provisioner_from_config(str(kubeconfig))

    with pytest.raises(TemporaryDeployError) as caught:
        await provisioner.deploy(BASE)

    assert caught.value.reason == "Unreachable"
