"""The organization namespace's NetworkPolicy: valid for the API server, and, read with
NetworkPolicy semantics (a connection is allowed when any rule's peer matches it), it lets
workers reach DNS, public addresses and what the operator allowed, nothing of the cluster."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from deploy.manifests import render
from deploy.network_policy import REACHABLE_LABEL, network_policy
from domain.egress import deployment_egress, org_env_name
from domain.settings import get_settings
from tests.deploy._validate import assert_valid
from tests.deploy.test_manifests import BASE

Peer = dict[str, Any]


def _allows_ip(policy: dict[str, Any], address: str) -> bool:
    ip = ipaddress.ip_address(address)
    for rule in policy["spec"]["egress"]:
        for peer in rule["to"]:
            block = peer.get("ipBlock")
            if block is None:
                continue
            net = ipaddress.ip_network(block["cidr"])
            if ip.version == net.version and ip in net and not any(
                    ip in ipaddress.ip_network(e) for e in block.get("except", [])
                    if ipaddress.ip_network(e).version == ip.version):
                return True
    return False


def _allows_pod(policy: dict[str, Any], namespace: str, labels: dict[str, str]) -> bool:
    """Whether a pod (by namespace and labels) is a peer of some rule (selectors only)."""
    for rule in policy["spec"]["egress"]:
        for peer in rule["to"]:
            if "ipBlock" in peer:
                continue
            ns_labels = {"kubernetes.io/metadata.name": namespace}
            ns_ok = all(ns_labels.get(k) == v for k, v in
                        peer.get("namespaceSelector", {}).get("matchLabels", {}).items())
            pod_ok = all(labels.get(k) == v for k, v in
                         peer.get("podSelector", {}).get("matchLabels", {}).items())
            if ns_ok and pod_ok:
                return True
    return False


POLICY = network_policy("fp-acme", {"app.kubernetes.io/managed-by": "flowplane"}, "flowplane",
                        ["10.20.0.0/16"])


def test_policy_passes_strict_schema_validation_and_covers_every_pod_for_egress() -> None:
    assert_valid(POLICY)
    assert POLICY["spec"]["podSelector"] == {} and POLICY["spec"]["policyTypes"] == ["Egress"]
    kinds = [obj["kind"] for obj in render(BASE)]
    assert kinds.index("NetworkPolicy") < kinds.index("Deployment")


@pytest.mark.parametrize("address", [
    "169.254.169.254", "10.0.0.12", "10.96.0.1", "172.17.0.2", "192.168.49.2", "127.0.0.1",
    "100.64.3.4", "fd00::1", "fe80::1", "::1", "::ffff:10.0.0.1"])
def test_cluster_private_and_metadata_addresses_are_blocked(address: str) -> None:
    assert not _allows_ip(POLICY, address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111",
                                     "10.20.3.4"])
def test_public_internet_and_allowed_cidrs_are_reachable(address: str) -> None:
    assert _allows_ip(POLICY, address)


def test_platform_and_other_organizations_pods_are_blocked_but_dns_and_labelled_ones_not() -> None:
    assert not _allows_pod(POLICY, "flowplane", {"app.kubernetes.io/name": "flowplane-api"})
    assert not _allows_pod(POLICY, "fp-globex", {"app.kubernetes.io/managed-by": "flowplane"})
    assert not _allows_pod(POLICY, "fp-globex", {REACHABLE_LABEL: "true"})
    assert _allows_pod(POLICY, "flowplane", {REACHABLE_LABEL: "true", "app": "postgres"})
    dns = POLICY["spec"]["egress"][0]
    assert _allows_pod({"spec": {"egress": [dns]}}, "kube-system", {"k8s-app": "kube-dns"})
    assert {p["port"] for p in dns["ports"]} == {53}


def test_deployed_workers_get_only_their_organizations_allow_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLOWPLANE_EGRESS_ALLOW", "10.1.0.0/16 api.internal")
    get_settings.cache_clear()
    env = {org_env_name("acme"): "10.2.0.0/16", org_env_name("globex"): "10.3.0.0/16"}
    variables, cidrs = deployment_egress("acme", env)
    get_settings.cache_clear()
    assert variables == {"FLOWPLANE_EGRESS_ALLOW": "10.1.0.0/16 api.internal",
                         "FLOWPLANE_EGRESS_ALLOW_ACME": "10.2.0.0/16"}
    assert cidrs == ("10.1.0.0/16", "10.2.0.0/16")

    monkeypatch.setenv("FLOWPLANE_SANDBOX_NETWORK", "egress")  # the operator's mode follows
    get_settings.cache_clear()
    variables, _ = deployment_egress("acme", env)
    get_settings.cache_clear()
    assert variables["FLOWPLANE_SANDBOX_NETWORK"] == "egress"
