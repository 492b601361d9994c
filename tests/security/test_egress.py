"""The egress guard replayed as an attacker would try it: nodes aim `http.request`, a model's
`baseUrl` and a data source's host at loopback, private and metadata addresses (in every
spelling), through redirects, DNS rebinding and proxy variables. A canary listener on loopback
counts what reaches it: nothing may, unless the operator allowed it."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from db.tables import AiModel, DataSource
from domain.egress import (
    EgressPolicy,
    InvalidEgressAllow,
    blocked_rule,
    egress_policy,
    org_env_name,
)
from domain.executions import load_execution, start_execution
from domain.rows import FullExecutionRow
from domain.settings import get_settings
from tests.engine.conftest import drain
from tests.engine.servers import Recorder, build_app, serve
from tests.factory import Factory

REFUSED = [
    "127.0.0.1", "127.8.9.10", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255",
    "192.168.1.1", "100.64.0.1", "100.127.255.254", "169.254.169.254", "169.254.0.1",
    "::1", "::", "fd00::1", "fc00::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
    "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "224.0.0.1",
]
PUBLIC = ["93.184.216.34", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1111",
          "198.51.100.7", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", REFUSED)
def test_local_private_and_metadata_addresses_are_refused(address: str) -> None:
    assert blocked_rule(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert blocked_rule(ipaddress.ip_address(address)) is None


def test_allow_list_takes_hosts_wildcards_and_cidrs_per_organization(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLOWPLANE_EGRESS_ALLOW", "db.internal, 10.1.0.0/16")
    get_settings.cache_clear()
    env = {org_env_name("team-a"): "*.corp.example fd00::/8"}
    assert org_env_name("team-a") == "FLOWPLANE_EGRESS_ALLOW_TEAM_A"
    team_a, other = egress_policy("team-a", env), egress_policy("other", env)
    ten, ula = ipaddress.ip_address("10.1.2.3"), ipaddress.ip_address("fd00::5")
    assert team_a.refusal("db.internal", ipaddress.ip_address("10.9.9.9")) is None
    assert team_a.refusal("x.y.corp.example", ipaddress.ip_address("127.0.0.1")) is None
    assert team_a.refusal("h", ten) is None and team_a.refusal("h", ula) is None
    assert other.refusal("h", ten) is None
    refusal = other.refusal("x.corp.example", ula)
    assert refusal is not None and "unique local" in refusal
    assert "FLOWPLANE_EGRESS_ALLOW_OTHER=x.corp.example" in refusal
    assert EgressPolicy().refusal("h", ipaddress.ip_address("10.0.0.1")) is not None
    with pytest.raises(InvalidEgressAllow, match="not a host name"):
        egress_policy("x", {org_env_name("x"): "http://nope/"})
    get_settings.cache_clear()


@pytest.fixture
def default_policy(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> Iterator[None]:
    """The operator allowed nothing (the default outside `flowplane dev`)."""
    monkeypatch.delenv("FLOWPLANE_EGRESS_ALLOW", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
async def canary() -> AsyncIterator[tuple[str, Recorder]]:
    """A planted listener on loopback; its recorder must stay empty."""
    recorder = Recorder()
    async with serve(build_app(recorder)) as url:
        yield url, recorder


def _reached(recorder: Recorder) -> int:
    return len(recorder.bodies) + sum(recorder.hits.values())


async def _run(factory: Factory, redis_url: str, nodes: list[dict[str, Any]],
               org: dict[str, Any] | None = None) -> FullExecutionRow:
    org = org or await factory.org()
    user = await factory.user(org=org)
    wf = await factory.workflow(org, user, nodes=nodes, settings={"maxAttempts": 1})
    row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None, input={})
    await drain(redis_url)
    return await load_execution(row.id)


def _call(url: str, **params: Any) -> dict[str, Any]:
    return {"id": "call", "type": "http.request", "params": {"url": url, **params}}


def _spellings(url: str) -> list[str]:
    port = urlsplit(url).port
    return [f"http://127.0.0.1:{port}/echo", f"http://localhost:{port}/echo",
            f"http://[::ffff:127.0.0.1]:{port}/echo", f"http://0.0.0.0:{port}/echo",
            f"http://2130706433:{port}/echo", f"http://127.1:{port}/echo",
            f"http://[::ffff:7f00:1]:{port}/echo"]


async def test_http_request_never_reaches_loopback_in_any_spelling(
    factory: Factory, redis_url: str, default_policy: None, canary: tuple[str, Recorder],
) -> None:
    url, recorder = canary
    for target in _spellings(url):
        done = await _run(factory, redis_url, [_call(target, method="POST", body={"x": 1})])
        assert done.status == "failed", target
        assert "is refused" in done.error and "FLOWPLANE_EGRESS_ALLOW" in done.error, (
            target, done.error)
    assert _reached(recorder) == 0


async def test_metadata_address_is_refused_with_the_rule_named(
    factory: Factory, redis_url: str, default_policy: None,
) -> None:
    done = await _run(factory, redis_url, [_call("http://169.254.169.254/latest/meta-data/")])
    assert done.status == "failed"
    assert "link-local" in done.error and "169.254.169.254" in done.error
    assert done.attempt == 1  # permanent: no retry can succeed


async def test_every_redirect_hop_passes_the_guard(
    factory: Factory, redis_url: str, monkeypatch: pytest.MonkeyPatch,
    canary: tuple[str, Recorder],
) -> None:
    """The first hop is allowed (by name), the redirect it answers points at loopback."""
    url, recorder = canary

    async def redirect(request: Request) -> Response:
        return RedirectResponse(f"{url}/echo", status_code=307)

    async with serve(Starlette(routes=[Route("/go", redirect, methods=["GET"])])) as hop:
        monkeypatch.setenv("FLOWPLANE_EGRESS_ALLOW", "localhost")
        get_settings.cache_clear()
        first = f"http://localhost:{urlsplit(hop).port}/go"
        done = await _run(factory, redis_url, [_call(first, followRedirects=True)])
        plain = await _run(factory, redis_url, [_call(first)])
    get_settings.cache_clear()
    assert done.status == "failed", done.outputs
    assert "egress to 127.0.0.1 is refused" in done.error
    assert _reached(recorder) == 0
    # Without followRedirects the 307 itself is the answer: the allowed hop was reached.
    assert plain.outputs["call"]["output"]["status"] == 307


async def test_dns_rebinding_cannot_swap_the_address_after_the_check(
    factory: Factory, redis_url: str, default_policy: None, canary: tuple[str, Recorder],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """rebind.test resolves to a public (unroutable) address once, then to loopback: the
    guard connects to the address it judged, so a second lookup never happens."""
    url, recorder = canary
    real = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        address = "198.51.100.7" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = urlsplit(url).port
    done = await _run(factory, redis_url, [_call(f"http://rebind.test:{port}/echo",
                                                 timeoutSeconds=1)])
    assert done.status == "failed"
    assert lookups == ["rebind.test"]
    assert _reached(recorder) == 0


async def test_proxy_variables_are_ignored(
    factory: Factory, redis_url: str, monkeypatch: pytest.MonkeyPatch,
    canary: tuple[str, Recorder], http_target: tuple[str, Recorder],
) -> None:
    """A proxy in the worker's environment would carry the call to the canary."""
    proxy, proxied = canary
    target, reached = http_target
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, proxy)
    monkeypatch.setenv("FLOWPLANE_EGRESS_ALLOW", "127.0.0.1/32")
    get_settings.cache_clear()
    done = await _run(factory, redis_url, [_call(f"{target}/echo", method="POST", body={})])
    get_settings.cache_clear()
    assert done.status == "completed", done.error
    assert len(reached.bodies) == 1 and _reached(proxied) == 0


@pytest.fixture
async def http_target() -> AsyncIterator[tuple[str, Recorder]]:
    recorder = Recorder()
    async with serve(build_app(recorder)) as url:
        yield url, recorder


async def test_allow_list_of_one_organization_does_not_open_another(
    factory: Factory, redis_url: str, default_policy: None,
    http_target: tuple[str, Recorder], monkeypatch: pytest.MonkeyPatch,
) -> None:
    target, reached = http_target
    allowed, other = await factory.org(), await factory.org()
    monkeypatch.setenv(org_env_name(allowed["slug"]), "127.0.0.1/32")
    ok = await _run(factory, redis_url, [_call(f"{target}/echo")], org=allowed)
    refused = await _run(factory, redis_url, [_call(f"{target}/echo")], org=other)
    assert ok.status == "completed", ok.error
    assert refused.status == "failed"
    assert org_env_name(other["slug"]) in refused.error
    assert len(reached.bodies) == 1


async def test_model_base_url_cannot_point_at_loopback(
    factory: Factory, redis_url: str, default_policy: None, canary: tuple[str, Recorder],
) -> None:
    url, recorder = canary
    org = await factory.org()
    await AiModel(organization=org["id"], name="m", model="tiny-1",
                  base_url=f"{url}/v1").save()
    node = {"id": "ask", "type": "ai.chat", "model": "m", "params": {"prompt": "hi"}}
    done = await _run(factory, redis_url, [node], org=org)
    assert done.status == "failed"
    assert "egress to 127.0.0.1 is refused: a loopback address" in done.error
    assert _reached(recorder) == 0


async def test_data_source_host_cannot_reach_the_platform_database(
    factory: Factory, redis_url: str, database_url: str, default_policy: None,
) -> None:
    """The issue's attack: a data source at the platform's own PostgreSQL on loopback."""
    parts = urlsplit(database_url)
    org = await factory.org()
    for i, host in enumerate(("127.0.0.1", "localhost", "/tmp")):
        await DataSource(organization=org["id"], name=f"pg-{i}", type="postgres",
                         config={"host": host, "port": parts.port or 5432,
                                 "database": parts.path.lstrip("/"),
                                 "user": parts.username}).save()
        node = {"id": "read", "type": "source.postgres", "dataSource": f"pg-{i}",
                "params": {"query": "SELECT name FROM workflow"}}
        done = await _run(factory, redis_url, [node], org=org)
        assert done.status == "failed", host
        assert "is refused" in done.error or "TCP host" in done.error, done.error
        assert done.outputs == {}


async def test_a_real_worker_process_refuses_loopback_and_ignores_its_proxy_variables(
    factory: Factory, database_url: str, redis_url: str, canary: tuple[str, Recorder],
) -> None:
    """`flowplane worker` as deployed: its environment allows nothing and names the canary
    as its proxy; the run aimed at the canary fails and the canary hears nothing."""
    from tests.processes import FlowplaneProcess
    from tests.sync.test_daemon import eventually

    url, recorder = canary
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "HTTP_PROXY": url,
           "http_proxy": url, "ALL_PROXY": url, "FLOWPLANE_WORKER_POLL_DELAY": "0.01"}
    worker = FlowplaneProcess(["worker"], env, drop=("FLOWPLANE_EGRESS_ALLOW", "NO_PROXY",
                                                     "no_proxy")).start()
    try:
        org = await factory.org()
        user = await factory.user(org=org)
        wf = await factory.workflow(org, user, settings={"maxAttempts": 1}, nodes=[
            _call(f"{url}/echo", method="POST", body={"leak": "canary"}),
            {"id": "meta", "type": "http.request",
             "params": {"url": "http://169.254.169.254/latest/meta-data/"}}])
        row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None,
                                    input={})

        async def finished() -> bool:
            return (await load_execution(row.id)).status in ("completed", "failed")

        await eventually(finished, "the execution's end", within=60)
    finally:
        worker.stop()
    done = await load_execution(row.id)
    assert done.status == "failed"
    assert "egress to 127.0.0.1 is refused" in done.error or (
        "169.254.169.254" in done.error), done.error
    assert _reached(recorder) == 0
