"""`flowplane dev`: the whole platform in one process tree, on embedded servers when
DATABASE_URL / REDIS_URL are unset. Data lives in the dev home (`.flowplane/`) and survives
restarts.

One `flowplane dev` per home: its lock refuses a second one before anything is touched. The
children run in their own process group, so Ctrl-C reaches only this supervisor, which stops
them in order: sync, scheduler, workers and API first, then Valkey and PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import NoReturn

import httpx

from flowplane._dev_parts import Part, dev_parts, restart_crashed, stop_parts
from flowplane._dev_servers import DevServers, start_servers
from flowplane.dev_record import DevLock, DevRecord, remove_record, write_record
from flowplane.embedded import check_port_free
from flowplane.errors import CliError, where

DEV_ORG, DEV_USER = "acme", "alice"
READY_TIMEOUT = 120.0
DEV_EGRESS_ALLOW = "127.0.0.0/8 ::1"  # `flowplane dev` only: nodes may call this machine


def say(text: str) -> None:
    print(f"[dev] {text}", flush=True)


class _Stop(Exception):
    """SIGINT or SIGTERM arrived."""


def _raise_stop(signum: int, frame: object) -> NoReturn:
    raise _Stop


async def _seed(home: Path) -> str:
    """Migrate; on first start create organization `acme` with `alice` (admin) and `bob`;
    return alice's dev token."""
    from db import engine
    from domain import organizations, tokens

    say(f"database: {await engine.migrate()}")
    token_file = home / "dev-token"
    if await organizations.organization_by_ref(DEV_ORG) is None:
        org = await organizations.create_organization(DEV_ORG, "Acme Inc.")
        user = await tokens.user_by_handle(DEV_USER) or await organizations.create_user(DEV_USER)
        await organizations.add_member(org.id, user.id, "admin")
        # A second member, so sharing can be tried at once (the examples share with bob).
        bob = await tokens.user_by_handle("bob") or await organizations.create_user("bob")
        await organizations.add_member(org.id, bob.id, "member")
        issued = await tokens.issue_token(user.id, org.id, "dev")
        token_file.write_text(issued.token)
        token_file.chmod(0o600)
        say(f"created organization {DEV_ORG} with {DEV_USER} (admin) and bob, and a token")
    return token_file.read_text().strip() if token_file.exists() else ""


def _answers(url: str, **headers: str) -> bool:
    try:
        return httpx.get(url, headers=headers, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_ready(api: str, parts: list[Part], env: dict[str, str]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while not _answers(f"{api}/healthz"):
        if time.monotonic() > deadline:
            raise CliError(f"the API did not answer on {api}/healthz within "
                           f"{READY_TIMEOUT:.0f}s: see its log above")
        restart_crashed(parts, env, say)
        time.sleep(0.2)


async def _sign_in_link(api: str) -> str:
    """A fresh one-time console sign-in link for the dev user (every start makes one)."""
    from domain import sign_in
    from domain.errors import DomainError

    try:
        return await sign_in.sign_in_link(api, DEV_USER, DEV_ORG)
    except DomainError as error:  # the dev user was removed from the dev organization
        return f"(none: {error})"


def _banner(api: str, token: str, link: str, home: Path, servers: DevServers,
            parts: list[Part]) -> None:
    """What answers now, and how to reach it (only URLs that answered are listed)."""
    pages = [("console", f"{api}/", {}),
             ("GraphiQL", f"{api}/graphql", {"Accept": "text/html"}),
             ("metrics", f"{api}/metrics", {})]
    lines = [f"  {name:<9} {url}" for name, url, headers in pages if _answers(url, **headers)]
    ports = [f"{part.name} :{part.metrics_port}" for part in parts if part.metrics_port]
    if ports:
        lines.append(f"            also on http://127.0.0.1:PORT/metrics: {', '.join(ports)}")
    print("\nFlowplane is ready.", *lines, sep="\n")
    print(f"  sign in   {link}  (works once, within 10 minutes; "
          "`flowplane user sign-in-link` makes another)")
    print(f"  token     {token or '(none: see `flowplane token create --help`)'}\n"
          f"            organization {DEV_ORG}, user {DEV_USER}; also in {home / 'dev-token'}\n"
          f"  servers   PostgreSQL {where(servers.database_url)}, "
          f"Redis {where(servers.redis_url)}\n"
          f"            `flowplane` commands run in this checkout use them "
          f"({home / 'dev.json'})\n"
          f"  egress    nodes may reach loopback ({DEV_EGRESS_ALLOW}), for this dev platform "
          "only;\n            other private addresses only through FLOWPLANE_EGRESS_ALLOW\n"
          "Stop with Ctrl-C.\n", flush=True)


def _platform_env(servers: DevServers, api: str, home: Path) -> dict[str, str]:
    from flowplane.runtime import dev_secret_key

    # The tour calls services on this machine: loopback is allowed here, and only here.
    allow = " ".join(filter(None, [os.environ.get("FLOWPLANE_EGRESS_ALLOW", ""),
                                   DEV_EGRESS_ALLOW]))
    # Readable log lines in the terminal unless FLOWPLANE_LOG_FORMAT says otherwise.
    return {"FLOWPLANE_LOG_FORMAT": "text", "FLOWPLANE_SECRET_KEY": dev_secret_key(home),
            **os.environ,
            "DATABASE_URL": servers.database_url,
            "REDIS_URL": servers.redis_url, "FLOWPLANE_DEV_MODE": "true",
            "FLOWPLANE_PUBLIC_URL": api, "FLOWPLANE_EGRESS_ALLOW": allow,
            # python nodes: bubblewrap where it works, else a scrubbed child (and a warning)
            "FLOWPLANE_SANDBOX": os.environ.get("FLOWPLANE_SANDBOX") or "auto"}


def _warn_without_sandbox(env: dict[str, str]) -> None:
    from engine.sandbox import bwrap_problem

    problem = bwrap_problem()
    if problem is not None and env["FLOWPLANE_SANDBOX"] != "bwrap":
        say(f"WARNING: bubblewrap is not usable ({problem}): python nodes run in a scrubbed "
            "child process WITHOUT a sandbox; it can reach all this machine lets it. "
            "Install Debian's `bubblewrap`.")


def _serve(home: Path, host: str, port: int, repo: Path, parts: list[Part],
           servers: DevServers) -> None:
    """Bring the platform up, then supervise it until a signal (raises _Stop)."""
    from flowplane.runtime import run_with_pool

    api = f"http://{host}:{port}"
    env = _platform_env(servers, api, home)
    os.environ.update(env)
    token = run_with_pool(lambda: _seed(home))
    link = run_with_pool(lambda: _sign_in_link(api))
    write_record(home, DevRecord(os.getpid(), api, servers.database_url, servers.redis_url))
    parts += dev_parts(host, port, repo, home, DEV_ORG, say)
    _warn_without_sandbox(env)
    say(f"starting {', '.join(part.name for part in parts)}")
    for part in parts:
        part.start(env)
    _wait_ready(api, parts, env)
    _banner(api, token, link, home, servers, parts)
    while True:
        time.sleep(0.5)
        restart_crashed(parts, env, say)


def run_dev(home: Path, host: str, port: int, repo: Path) -> None:
    """`flowplane dev`: returns once stopped by SIGINT / SIGTERM; CliError if it cannot run."""
    with DevLock(home):
        check_port_free(host, port, "--port")
        signal.signal(signal.SIGINT, _raise_stop)
        signal.signal(signal.SIGTERM, _raise_stop)
        servers: DevServers | None = None
        parts: list[Part] = []
        try:
            servers = start_servers(home, os.environ.get("DATABASE_URL", ""),
                                    os.environ.get("REDIS_URL", ""), say)
            _serve(home, host, port, repo, parts, servers)
        except _Stop:
            print(file=sys.stderr)  # past the ^C the terminal echoed
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):  # the shutdown is not interrupted
                signal.signal(signum, signal.SIG_IGN)
            stop_parts(parts, say)
            if servers is not None:
                servers.stop(say)
            remove_record(home)
            say("stopped")
