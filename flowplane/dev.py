"""`flowplane dev`: the whole platform in one process tree, on embedded servers when
DATABASE_URL / REDIS_URL are unset. Data lives in `.flowplane/` and survives restarts."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from flowplane.embedded import EmbeddedPostgres, EmbeddedRedis, free_port

DEV_ORG, DEV_USER = "acme", "alice"


@dataclass
class DevServers:
    home: Path
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        for server in (self.redis, self.postgres):
            if server is not None:
                server.stop()


def _ports(home: Path) -> dict[str, int]:
    """Ports are chosen once and kept, so URLs stay stable across restarts."""
    path = home / "ports.json"
    if path.exists():
        ports: dict[str, int] = json.loads(path.read_text())
        return ports
    ports = {"postgres": free_port(), "redis": free_port()}
    path.write_text(json.dumps(ports))
    return ports


async def _ensure_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def start_servers(home: Path) -> DevServers:
    home.mkdir(parents=True, exist_ok=True)
    servers = DevServers(home=home)
    ports = _ports(home)
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        servers.postgres = EmbeddedPostgres(home / "postgres", port=ports["postgres"])
        servers.postgres.stop()  # a server left over by a killed `dev` is restarted cleanly
        servers.postgres.start()
        asyncio.run(_ensure_database(servers.postgres.url, "flowplane"))
        database_url = servers.postgres.url.rsplit("/", 1)[0] + "/flowplane"
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        servers.redis = EmbeddedRedis(home / "redis", port=ports["redis"], persist=True)
        servers.redis.start()
        redis_url = servers.redis.url
    servers.env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url}
    return servers


@dataclass
class Part:
    """One supervised child process of the dev platform."""

    name: str
    args: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    def start(self, env: dict[str, str]) -> None:
        command = [sys.executable, "-m", "flowplane", *self.args]
        self.process = subprocess.Popen(command, env=env)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def current_branch(repo: Path) -> str | None:
    """The checked-out branch of `repo`, or None when it is not a git work tree."""
    result = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--abbrev-ref", "HEAD"],
        capture_output=True, text=True, check=False,
    )
    branch = result.stdout.strip()
    return branch if result.returncode == 0 and branch and branch != "HEAD" else None


def dev_parts(host: str, port: int, repo: Path) -> list[Part]:
    """API, the local workers (default queue + locally deployed workflows), the scheduler
    (cron, sweeper, deployment phases) and, in a git checkout, the sync of its workflows.d/."""
    parts = [
        Part("api", ["serve", "--host", host, "--port", str(port)]),
        Part("local-workers", ["local-workers"]),
        Part("scheduler", ["scheduler"]),
    ]
    branch = current_branch(repo)
    if branch is None:
        print(f"[dev] {repo} is not a git checkout: the sync of workflows.d/ is off",
              file=sys.stderr)
    else:
        parts.append(Part("sync", [
            "sync", "--repo", str(repo), "--org", DEV_ORG, "--branch", branch,
            "--interval", "2s", "--cache-dir", str(repo / ".flowplane" / "sync-cache"),
        ]))
    return parts


def supervise(parts: list[Part], env: dict[str, str]) -> None:
    """Run the parts until SIGINT/SIGTERM; a part that dies is restarted with a backoff."""
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    for part in parts:
        part.start(env)
    try:
        while not stopping:
            time.sleep(0.5)
            for part in parts:
                if part.process is not None and part.process.poll() is not None and not stopping:
                    part.restarts += 1
                    print(f"[dev] {part.name} exited ({part.process.returncode}); restarting",
                          file=sys.stderr)
                    time.sleep(min(10, part.restarts))
                    part.start(env)
    finally:
        for part in parts:
            part.stop()
