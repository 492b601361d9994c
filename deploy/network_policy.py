"""The NetworkPolicy of an organization's namespace: what its worker pods may connect to.

Egress only, for every pod of the namespace: DNS (kube-dns in kube-system), public addresses
(every private, CGNAT, loopback and link-local range is cut out, so the Flowplane namespace,
other organizations' namespaces, cluster services and the metadata address 169.254.169.254 are
unreachable), pods of the platform namespace that the operator labelled
`flowplane.io/tenant-reachable: "true"` (PostgreSQL, Redis, the AI gateway: what workers need),
and the CIDRs the operator allowed this organization (FLOWPLANE_EGRESS_ALLOW and
FLOWPLANE_EGRESS_ALLOW_<SLUG>). The egress guard in the worker applies the same rules per
connection; this policy holds even for code that bypasses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

NAME = "flowplane-egress"
REACHABLE_LABEL = "flowplane.io/tenant-reachable"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
PRIVATE_V4 = ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
              "172.16.0.0/12", "192.168.0.0/16")
PRIVATE_V6 = ("::1/128", "::ffff:0:0/96", "fc00::/7", "fe80::/10")

Manifest = dict[str, Any]  # Any: Kubernetes objects are free-form JSON


def network_policy(namespace: str, labels: dict[str, str], platform_namespace: str,
                   allowed_cidrs: Sequence[str] = ()) -> Manifest:
    """The namespace's egress policy (the same object for every workflow of the org)."""
    dns = {"to": [{"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: "kube-system"}},
                   "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
           "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}
    platform = {"to": [{
        "namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: platform_namespace}},
        "podSelector": {"matchLabels": {REACHABLE_LABEL: "true"}}}]}
    public = {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE_V4)}},
                     {"ipBlock": {"cidr": "::/0", "except": list(PRIVATE_V6)}}]}
    rules = [dns, platform, public]
    if allowed_cidrs:
        rules.append({"to": [{"ipBlock": {"cidr": cidr}} for cidr in sorted(allowed_cidrs)]})
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": NAME, "namespace": namespace, "labels": labels},
        "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": rules},
    }
