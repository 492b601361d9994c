"""The egress guard on the wire: resolve a host once, judge every address it resolves to with
the organization's `EgressPolicy`, and connect to the judged address itself, so a name that
resolves differently the second time (DNS rebinding) cannot slip past.

httpx gets it as a network backend under its connection pool, which sees every connection,
redirect hops included; proxies from the environment are ignored (`trust_env=False`).
httpx 0.28 takes no network backend as an argument (encode/httpx#3749 adds one), so
`GuardedTransport` replaces the pool `AsyncHTTPTransport` built; a test connects to a planted
loopback listener through it and fails if an upgrade bypasses the guard.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from domain.egress import Address, EgressPolicy
from engine.errors import NodeError, PermanentError


class EgressRefused(PermanentError):
    """The node tried to reach an address the egress policy refuses."""


async def allowed_addresses(policy: EgressPolicy, host: str, port: int,
                            resolve_timeout: float | None = None) -> list[str]:
    """The addresses to connect to for host:port, each judged by the policy; raises
    EgressRefused when any address the host resolves to is refused (a name that resolves to
    a public and a private address is not half allowed)."""
    literal = _literal(host)
    if literal is not None:
        addresses: list[Address] = [literal]
    else:
        try:
            async with asyncio.timeout(resolve_timeout):
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, port, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError) as error:
            raise NodeError(f"cannot resolve {host}: {error}") from None
        addresses = list(dict.fromkeys(ipaddress.ip_address(str(i[4][0]).split("%")[0])
                                       for i in infos))
    for address in addresses:
        refusal = policy.refusal(host, address)
        if refusal is not None:
            raise EgressRefused(refusal)
    return [str(a) for a in addresses]


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the policy allows, to exactly the address it judged."""

    def __init__(self, policy: EgressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(  # httpcore's interface
        self, host: str, port: int, timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,  # Any: httpcore's socket option tuples
    ) -> httpcore.AsyncNetworkStream:
        last: Exception | None = None
        for address in await allowed_addresses(self._policy, host, port, timeout):
            try:
                stream = await self._inner.connect_tcp(address, port, timeout, local_address,
                                                       socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last = error
                continue
            _check_peer(stream, address)
            return stream
        raise last or httpcore.ConnectError(f"{host} resolved to no address")

    async def connect_unix_socket(  # httpcore's interface
        self, path: str, timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Iterable[Any] | None = None,  # Any: as above
    ) -> httpcore.AsyncNetworkStream:
        raise EgressRefused(f"egress to the Unix socket {path} is refused")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _check_peer(stream: httpcore.AsyncNetworkStream, judged: str) -> None:
    peer = stream.get_extra_info("server_addr")
    if peer and ipaddress.ip_address(str(peer[0]).split("%")[0]) != ipaddress.ip_address(judged):
        raise EgressRefused(f"connected to {peer[0]} instead of {judged}")


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the guarded backend under its pool and no proxies."""

    def __init__(self, policy: EgressPolicy) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=GuardedBackend(policy))


def guarded_client(policy: EgressPolicy, **options: Any) -> httpx.AsyncClient:
    """An httpx client whose every connection passes the egress guard (Any: httpx options)."""
    return httpx.AsyncClient(transport=GuardedTransport(policy), trust_env=False, **options)
