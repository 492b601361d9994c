from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from ruamel.yaml import YAML

from deploy.builds import BUILD_NAMESPACE
from flowplane import cli
from tests.deploy._validate import assert_valid

MANIFESTS = Path(__file__).resolve().parents[2] / "deploy" / "manifests"
RESOURCE_FILES = sorted(p for p in MANIFESTS.glob("*.yaml") if p.name != "kustomization.yaml")


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in YAML(typ="safe").load_all(path.read_text()) if doc]


def all_objects() -> list[dict[str, Any]]:
    return [doc for path in RESOURCE_FILES for doc in documents(path)]


def by_kind(kind: str) -> list[dict[str, Any]]:
    return [obj for obj in all_objects() if obj["kind"] == kind]


@pytest.mark.parametrize("path", RESOURCE_FILES, ids=lambda p: p.name)
def test_every_shipped_manifest_passes_strict_schema_validation(path: Path) -> None:
    objects = documents(path)
    assert objects
    for obj in objects:
        assert_valid(obj)


def test_kustomization_lists_exactly_the_manifest_files() -> None:
    (kustomization,) = documents(MANIFESTS / "kustomization.yaml")
    assert kustomization["kind"] == "Kustomization"
    assert sorted(kustomization["resources"]) == [p.name for p in RESOURCE_FILES]


def test_rbac_allows_exactly_what_the_provisioner_needs() -> None:
    (role,) = by_kind("ClusterRole")
    granted = {
        (group, resource): sorted(rule["verbs"])
        for rule in role["rules"] for group in rule["apiGroups"] for resource in rule["resources"]
    }
    crud = sorted(["get", "list", "watch", "create", "patch", "delete"])
    assert granted == {
        ("", "namespaces"): sorted(["get", "create", "patch"]),  # server-side apply = patch
        ("", "secrets"): crud,
        ("apps", "deployments"): crud,
        ("apps", "replicasets"): ["get", "list", "watch"],
        ("", "pods"): ["get", "list", "watch"],
        ("", "events"): ["list"],
        ("networking.k8s.io", "networkpolicies"): sorted(["get", "create", "patch"]),
        # autoscale: applied, listed and deleted with the workflow, never watched
        ("keda.sh", "scaledobjects"): sorted(["get", "list", "create", "patch", "delete"]),
    }
    (binding,) = by_kind("ClusterRoleBinding")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "flowplane-provisioner", "namespace": "flowplane"}
    ]


def test_environment_builds_may_apply_and_clean_up_only_in_the_builds_namespace() -> None:
    (role,) = by_kind("Role")
    assert role["metadata"]["namespace"] == BUILD_NAMESPACE
    granted = {
        (group, resource): sorted(rule["verbs"])
        for rule in role["rules"] for group in rule["apiGroups"] for resource in rule["resources"]
    }
    applied = sorted(["get", "create", "patch"])  # server-side apply; the Job is read back
    # superseded build Jobs are deleted; their ConfigMaps go with them (owner references)
    assert granted == {("", "configmaps"): applied,
                       ("batch", "jobs"): sorted([*applied, "list", "delete"])}
    (binding,) = by_kind("RoleBinding")
    assert binding["metadata"]["namespace"] == BUILD_NAMESPACE
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "flowplane-provisioner", "namespace": "flowplane"}
    ]
    namespaces = {obj["metadata"]["name"] for obj in by_kind("Namespace")}
    assert namespaces == {"flowplane", BUILD_NAMESPACE}  # the Role needs its namespace


def test_kustomize_keeps_the_namespace_an_object_names() -> None:
    """A plain `namespace: flowplane` would move the builds Role into `flowplane`."""
    (kustomization,) = documents(MANIFESTS / "kustomization.yaml")
    assert "namespace" not in kustomization
    (transformer,) = [YAML(typ="safe").load(text) for text in kustomization["transformers"]]
    assert transformer["kind"] == "NamespaceTransformer" and transformer["unsetOnly"] is True
    assert transformer["metadata"]["namespace"] == "flowplane"


def test_sync_deployment_uses_only_real_flowplane_sync_options() -> None:
    command = typer.main.get_command(cli.app)
    assert isinstance(command, typer.core.TyperGroup)
    sync = command.commands["sync"]
    known = {opt for param in sync.params for opt in param.opts}
    required = {param.opts[0] for param in sync.params if param.required}
    args = pod_specs()["flowplane-sync"]["containers"][0]["args"]
    given = {arg.split("=")[0] for arg in args[1:] if arg.startswith("--")}
    assert args[0] == "sync" and given <= known, given - known
    assert required <= given
    assert {"--org", "--repo", "--cache-dir"} <= given


def pod_specs() -> dict[str, dict[str, Any]]:
    workloads = by_kind("Deployment") + by_kind("Job")
    return {obj["metadata"]["name"]: obj["spec"]["template"]["spec"] for obj in workloads}


def test_every_process_runs_its_flowplane_command_as_non_root() -> None:
    commands = {name: spec["containers"][0]["args"][0] for name, spec in pod_specs().items()}
    assert commands == {
        "flowplane-api": "serve", "flowplane-worker": "worker", "flowplane-scheduler": "scheduler",
        "flowplane-sync": "sync", "flowplane-migrate": "migrate",
    }
    for spec in pod_specs().values():
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == 10001


def test_the_shared_worker_runs_python_nodes_only_in_a_sandbox() -> None:
    """It serves every organization: no seccomp, capability or sandbox fallback."""
    spec = pod_specs()["flowplane-worker"]
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    container = spec["containers"][0]
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert container["securityContext"]["privileged"] is False
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    (config,) = by_kind("ConfigMap")
    settings = {**config["data"], **{e["name"]: e.get("value") for e in container["env"]}}
    assert settings.get("FLOWPLANE_SANDBOX", "bwrap") == "bwrap"


def test_only_the_deploying_processes_get_cluster_credentials() -> None:
    with_token = {name for name, spec in pod_specs().items()
                  if spec.get("automountServiceAccountToken", True)}
    # the scheduler observes deployment phases and builds: it reads the cluster too
    assert with_token == {"flowplane-api", "flowplane-sync", "flowplane-scheduler"}
    for name in with_token:
        assert pod_specs()[name]["serviceAccountName"] == "flowplane-provisioner"


def test_connection_urls_come_from_a_secret_not_the_config_map() -> None:
    (config,) = by_kind("ConfigMap")
    assert not {"DATABASE_URL", "REDIS_URL"} & set(config["data"])
    assert not by_kind("Secret")  # documented, never committed
    for spec in pod_specs().values():
        env = {e["name"]: e for e in spec["containers"][0]["env"]}
        for key in ("DATABASE_URL", "REDIS_URL"):
            assert env[key]["valueFrom"]["secretKeyRef"] == {
                "name": "flowplane-connections", "key": key
            }


def test_api_service_and_probes_use_port_8000_and_readyz() -> None:
    (service,) = by_kind("Service")
    assert service["spec"]["ports"][0]["port"] == 8000
    api = pod_specs()["flowplane-api"]["containers"][0]
    assert api["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert api["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}


def test_dockerfile_builds_a_non_root_flowplane_image() -> None:
    text = (MANIFESTS.parents[1] / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in text
    assert "pip install ." in text
    assert "USER 10001" in text
    assert 'ENTRYPOINT ["flowplane"]' in text
