"""The embedded servers of `flowplane dev`: PostgreSQL and Valkey with their data in the dev
home, on ports chosen once and kept, so URLs stay the same across restarts.

Only servers started here are stopped here: with DATABASE_URL / REDIS_URL set nothing is
started, and a second `flowplane dev` never gets this far (the home's lock, dev_record).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from flowplane.embedded import EmbeddedPostgres, EmbeddedRedis, free_port, port_is_free

DATABASE = "flowplane"


@dataclass
class DevServers:
    database_url: str
    redis_url: str
    postgres: EmbeddedPostgres | None = None  # set only when started by this process
    redis: EmbeddedRedis | None = None

    def stop(self, say: Callable[[str], None]) -> None:
        if self.redis is not None:
            say("stopping Valkey")
            self.redis.stop()
            self.redis = None
        if self.postgres is not None:
            say("stopping PostgreSQL")
            self.postgres.stop()
            self.postgres = None


def _ports(home: Path) -> dict[str, int]:
    """The recorded ports; one that something else took meanwhile is replaced."""
    path = home / "ports.json"
    ports: dict[str, int] = json.loads(path.read_text()) if path.exists() else {}
    fresh: dict[str, int] = {name: port for name, port in ports.items()
                             if name in ("postgres", "redis") and port_is_free("127.0.0.1", port)}
    for name in ("postgres", "redis"):
        fresh.setdefault(name, free_port())
    if fresh != ports:
        path.write_text(json.dumps(fresh))
    return fresh


async def _ensure_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def _stop_leftover(home: Path, say: Callable[[str], None]) -> None:
    server = EmbeddedPostgres(home / "postgres")
    if (server.data_dir / "postmaster.pid").exists():
        # We hold the home's lock, so no `flowplane dev` runs here: this server was left by
        # one that was killed. It is ours to restart.
        say("stopping the PostgreSQL a killed `flowplane dev` left running")
        server.stop()


def _start_postgres(home: Path, port: int, say: Callable[[str], None]) -> EmbeddedPostgres:
    server = EmbeddedPostgres(home / "postgres", port=port)
    first = not (server.data_dir / "PG_VERSION").exists()
    say(f"{'creating' if first else 'starting'} PostgreSQL in {server.data_dir} "
        f"(127.0.0.1:{server.port})")
    server.start()
    return server


def start_servers(home: Path, database_url: str, redis_url: str,
                  say: Callable[[str], None]) -> DevServers:
    """Start what is not given by URL; on failure, stop what was started."""
    servers = DevServers(database_url, redis_url)
    if not database_url:
        _stop_leftover(home, say)
    ports = _ports(home)  # once: a server we start takes its port
    try:
        if not database_url:
            servers.postgres = _start_postgres(home, ports["postgres"], say)
            asyncio.run(_ensure_database(servers.postgres.url, DATABASE))
            servers.database_url = servers.postgres.url.rsplit("/", 1)[0] + f"/{DATABASE}"
        if not redis_url:
            servers.redis = EmbeddedRedis(home / "redis", port=ports["redis"], persist=True)
            say(f"starting Valkey (127.0.0.1:{servers.redis.port})")
            servers.redis.start()
            servers.redis_url = servers.redis.url
    except BaseException:
        servers.stop(say)
        raise
    return servers
