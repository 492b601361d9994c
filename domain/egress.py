"""The egress policy: which addresses a node may connect to.

Nodes (`http.request`, a model's `baseUrl`, data-source hosts) may not reach loopback, private
(RFC 1918), carrier-grade NAT, link-local (the cloud metadata address 169.254.169.254 among
them), IPv6 loopback, unique-local and link-local, nor the unspecified address; IPv6 forms that
embed an IPv4 address (`::ffff:127.0.0.1`, `::127.0.0.1`, NAT64 `64:ff9b::/96`, 6to4
`2002::/16`) are judged by the address they embed. The operator allows exceptions:

- `FLOWPLANE_EGRESS_ALLOW`: for every organization;
- `FLOWPLANE_EGRESS_ALLOW_<SLUG>`: for one organization (slug upper-cased, `-` as `_`).

Both are lists separated by commas or spaces of host names (`db.internal`, `*.corp.example`
for its subdomains), addresses and CIDRs (`10.1.0.0/16`, `fd00::/8`). A host allowed by name
may resolve to anything; otherwise every address the host resolves to is checked. This module
decides; `engine.nodes._egress` resolves once and connects to the address it judged.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from domain.settings import env_name, get_settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_V4_RULES: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "the unspecified address"),
    ("127.0.0.0/8", "a loopback address"),
    ("10.0.0.0/8", "a private address (RFC 1918)"),
    ("172.16.0.0/12", "a private address (RFC 1918)"),
    ("192.168.0.0/16", "a private address (RFC 1918)"),
    ("100.64.0.0/10", "a carrier-grade NAT address (RFC 6598)"),
    ("169.254.0.0/16", "a link-local address (cloud metadata lives at 169.254.169.254)"),
    ("192.0.0.0/24", "an IETF protocol address (RFC 6890)"),
    ("198.18.0.0/15", "a benchmarking address (RFC 2544)"),
    ("224.0.0.0/4", "a multicast address"),
    ("240.0.0.0/4", "a reserved address"),
)
_V6_RULES: tuple[tuple[str, str], ...] = (
    ("::/128", "the unspecified address"),
    ("::1/128", "a loopback address"),
    ("fc00::/7", "an IPv6 unique local address"),
    ("fe80::/10", "an IPv6 link-local address"),
    ("fec0::/10", "an IPv6 site-local address"),
    ("ff00::/8", "a multicast address"),
)
BLOCKED: tuple[tuple[Network, str], ...] = tuple(
    (ipaddress.ip_network(cidr), rule) for cidr, rule in _V4_RULES + _V6_RULES)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_COMPAT = ipaddress.ip_network("::/96")
_SPLIT = re.compile(r"[\s,]+")


class InvalidEgressAllow(ValueError):
    """An allow-list entry is neither a host name nor an address or CIDR."""


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _COMPAT and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def blocked_rule(address: Address) -> str | None:
    """Which rule refuses the address, or None when it is public."""
    inner = embedded_ipv4(address)
    if inner is not None:
        rule = blocked_rule(inner)
        return None if rule is None else f"{rule}, in IPv6 form"
    for network, rule in BLOCKED:
        if address.version == network.version and address in network:
            return rule
    return None


def org_env_name(slug: str) -> str:
    """The variable holding one organization's allow-list."""
    return env_name("egress_allow") + "_" + re.sub(r"[^A-Z0-9]", "_", slug.upper())


@dataclass(frozen=True)
class EgressPolicy:
    hosts: frozenset[str] = frozenset()  # exact names, or ".suffix" for "*.suffix"
    networks: tuple[Network, ...] = ()
    # Where the allow-list comes from, for the message of a refusal.
    hint: str = "FLOWPLANE_EGRESS_ALLOW"

    def allows_host(self, host: str) -> bool:
        name = host.lower().rstrip(".")
        return name in self.hosts or any(
            h.startswith(".") and name.endswith(h) for h in self.hosts)

    def refusal(self, host: str, address: Address) -> str | None:
        """Why connecting to `address` (which `host` resolved to) is refused, or None."""
        if self.allows_host(host):
            return None
        rule = blocked_rule(address)
        if rule is None or any(address.version == n.version and address in n
                               for n in self.networks):
            return None
        shown = host if host == str(address) else f"{host} ({address})"
        return (f"egress to {shown} is refused: {rule}; the operator can allow it with "
                f"{self.hint}={host if host != str(address) else address}")


def parse_allow(text: str) -> tuple[frozenset[str], tuple[Network, ...]]:
    """Host names and networks of an allow-list; raises InvalidEgressAllow."""
    hosts: set[str] = set()
    networks: list[Network] = []
    for entry in filter(None, _SPLIT.split(text.strip())):
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            continue
        except ValueError:
            pass
        name = entry.lower().rstrip(".")
        if not re.fullmatch(r"(\*\.)?[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?", name):
            raise InvalidEgressAllow(f"egress allow-list entry {entry!r} is not a host name,"
                                     " address or CIDR")
        hosts.add(name[1:] if name.startswith("*.") else name)
    return frozenset(hosts), tuple(networks)


def egress_policy(slug: str | None = None, environ: Mapping[str, str] | None = None,
                  ) -> EgressPolicy:
    """The policy for nodes of this organization (None: only the operator-wide list)."""
    env = os.environ if environ is None else environ
    hosts, networks = parse_allow(get_settings().egress_allow)
    hint = env_name("egress_allow")
    if slug is not None:
        org_hosts, org_networks = parse_allow(env.get(org_env_name(slug), ""))
        hosts, networks, hint = hosts | org_hosts, networks + org_networks, org_env_name(slug)
    return EgressPolicy(hosts, networks, hint)


def with_host(policy: EgressPolicy, host: str) -> EgressPolicy:
    """The policy plus one host the platform itself configured (the AI gateway)."""
    return EgressPolicy(policy.hosts | {host.lower().rstrip(".")}, policy.networks, policy.hint)


def deployment_egress(slug: str, environ: Mapping[str, str] | None = None,
                      ) -> tuple[dict[str, str], tuple[str, ...]]:
    """What a deployed worker of this organization gets: the allow-list variables (its
    organization's only), the sandbox's network mode when it is not the default, and the
    allowed CIDRs for the namespace's NetworkPolicy."""
    env = os.environ if environ is None else environ
    network = get_settings().sandbox_network
    variables = {env_name("egress_allow"): get_settings().egress_allow,
                 org_env_name(slug): env.get(org_env_name(slug), ""),
                 env_name("sandbox_network"): "" if network == "none" else network}
    policy = egress_policy(slug, env)
    return ({k: v for k, v in variables.items() if v},
            tuple(sorted({str(n) for n in policy.networks})))


def allow_list_problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """What is wrong with the allow-list variables set (empty when all parse), so a worker
    refuses to start instead of failing runs."""
    env = os.environ if environ is None else environ
    prefix = env_name("egress_allow")
    problems = []
    for name in sorted(k for k in env if k == prefix or k.startswith(prefix + "_")):
        try:
            parse_allow(env[name])
        except InvalidEgressAllow as error:
            problems.append(f"{name}: {error}")
    return problems
