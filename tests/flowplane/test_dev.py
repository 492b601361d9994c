"""`flowplane dev` on embedded servers: a ready banner with the token, one instance per home,
the checkout's `flowplane` commands follow it, a taken port fails fast, Ctrl-C stops the
parts before the servers without a traceback, and the data survives a restart."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flowplane.embedded import free_port
from tests.processes import DevPlatform, run_flowplane, scratch_dir
from tests.scrape import answers, metrics_url, scrape
from tests.sync.gitrepo import GitRepo

SERVERS = ("DATABASE_URL", "REDIS_URL")


@pytest.fixture(scope="module")
def running() -> Iterator[DevPlatform]:
    with scratch_dir("flowplane-dev-") as folder:
        checkout = GitRepo(folder / "checkout")
        checkout.commit("empty")
        (checkout.root / "sub").mkdir()
        platform = DevPlatform(checkout.root).start()
        yield platform
        platform.stop()


@pytest.fixture
def home_dir() -> Iterator[Path]:
    with scratch_dir("flowplane-dev-") as folder:
        yield folder


def _healthy(platform: DevPlatform) -> bool:
    body = httpx.get(f"{platform.url}/healthz", timeout=5).json()
    return bool(body == {"status": "ok", "database": True, "redis": True})


def test_ready_banner_names_graphiql_and_the_token_once_the_api_answers(
    running: DevPlatform,
) -> None:
    out = running.output()
    banner = out[out.index("Flowplane is ready"):]
    assert f"{running.url}/graphql" in banner and running.token in banner
    assert "nodes may reach loopback (127.0.0.0/8 ::1), for this dev platform only" in banner
    assert running.token.startswith("fp_") and _healthy(running)
    assert re.search(r"\[dev\] database: applied \d+ migration\(s\); database schema is up to "
                     r"date \(\d+ migrations\)", out), out
    assert "already complete" not in out and "not yet run" not in out  # Piccolo's miscount


def test_every_part_serves_metrics_and_the_banner_says_where(running: DevPlatform) -> None:
    out = running.output()
    banner = out[out.index("Flowplane is ready"):]
    assert f"metrics   {running.url}/metrics" in banner
    ports = dict(re.findall(r"([a-z-]+) :(\d+)", banner.split("/metrics: ", 1)[1].split("\n")[0]))
    assert set(ports) == {"local-workers", "scheduler", "sync"}
    api = scrape(f"{running.url}/metrics")
    assert ("flowplane_websocket_connections", ()) in api
    sampled = metrics_url(int(ports["scheduler"]))  # the scheduler samples once it runs
    running.wait_until(lambda: answers(sampled) and any(
        name == "flowplane_queue_depth" for name, _ in scrape(sampled)), "queue depth sampled")
    for part, sample in (("local-workers", "flowplane_execution_attempts_total"),
                         ("sync", "flowplane_sync_run_duration_seconds_count")):
        url = metrics_url(int(ports[part]))
        running.wait_until(lambda url=url: answers(url), f"{part} metrics")  # type: ignore[misc]
        assert (sample, ()) in scrape(url), part
    # Readable lines under `make dev`, not JSON.
    assert not any(line.startswith("{") for line in out.splitlines())


def test_a_second_dev_on_the_same_home_is_refused_and_the_first_keeps_working(
    running: DevPlatform,
) -> None:
    second = DevPlatform(running.home.parent, port=free_port()).start(wait_ready=False)
    assert second.process is not None
    code = second.process.wait(60)

    lines = second.output().strip().splitlines()
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith(f"error: flowplane dev is already running with its data in "
                               f"{running.home} (pid {running.pid})")
    assert _healthy(running)  # its PostgreSQL and Valkey were not touched
    assert (running.home / "dev.json").exists()


def test_commands_in_the_checkout_use_the_running_dev(
    running: DevPlatform, tmp_path: Path,
) -> None:
    inside = running.home.parent / "sub"
    created = run_flowplane("org", "create", "globex", cwd=inside, drop=SERVERS)
    assert created.returncode == 0, created.stderr
    issued = run_flowplane("token", "create", "--org", "acme", "--user", "alice", cwd=inside,
                           drop=SERVERS)
    assert issued.returncode == 0 and issued.stdout.startswith("fp_"), issued.stderr

    outside = run_flowplane("org", "create", "initech", cwd=tmp_path, drop=SERVERS)
    assert outside.returncode == 1 and outside.stdout == ""
    assert outside.stderr.splitlines() == [
        "error: no PostgreSQL configured: set DATABASE_URL, or start `make dev` in this "
        "checkout (it records its servers in .flowplane/dev.json)"]


def test_a_taken_port_fails_fast_and_starts_nothing(home_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        dev = DevPlatform(home_dir, port=port).start(wait_ready=False)
        assert dev.process is not None
        code = dev.process.wait(30)
    assert code == 1
    assert dev.output().strip().splitlines() == [
        f"error: port {port} on 127.0.0.1 is already in use: stop what listens there or "
        "choose another with --port"]
    assert not (home_dir / ".flowplane" / "postgres").exists()


def test_ctrl_c_stops_parts_before_servers_and_a_restart_keeps_the_data(
    home_dir: Path,
) -> None:
    first = DevPlatform(home_dir).start()
    token = first.token

    assert first.interrupt() == 0

    out = first.output()
    assert "Traceback" not in out
    steps = ["stopping scheduler, local-workers, api", "stopping Valkey", "stopping PostgreSQL",
             "[dev] stopped"]
    assert [out.index(step) for step in steps] == sorted(out.index(step) for step in steps)
    assert not (first.home / "dev.json").exists()
    assert not (first.home / "postgres" / "postmaster.pid").exists()

    second = DevPlatform(home_dir).start()
    try:
        assert second.token == token and token in second.output()
        assert re.search(r"\[dev\] database: database schema is up to date \(\d+ migrations\)",
                         second.output())
    finally:
        assert second.interrupt() == 0


def test_the_printed_sign_in_link_signs_the_dev_user_in_once(running: DevPlatform) -> None:
    """Follow the one-time link `dev` printed as the console does: redeem its code, ask who
    the token is, and find the code used up."""
    link = re.search(r"sign in +(\S+)", running.output())
    assert link is not None, running.output()
    assert link.group(1).startswith(f"{running.url}/sign-in#code=")
    code = link.group(1).split("#code=", 1)[1]
    graphql = f"{running.url}/graphql"
    redeem = {"query": "mutation($c: String!) { redeemSignInCode(code: $c) {"
                       " __typename ... on SignInCodeRedeemed { token } } }",
              "variables": {"c": code}}
    first = httpx.post(graphql, json=redeem, timeout=30).json()["data"]["redeemSignInCode"]
    me = httpx.post(graphql, json={"query": "{ me { user { handle } organization { slug } } }"},
                    headers={"Authorization": f"Bearer {first['token']}"}, timeout=30)
    assert me.json()["data"]["me"] == {"user": {"handle": "alice"},
                                       "organization": {"slug": "acme"}}
    again = httpx.post(graphql, json=redeem, timeout=30).json()["data"]["redeemSignInCode"]
    assert again["__typename"] != "SignInCodeRedeemed"
