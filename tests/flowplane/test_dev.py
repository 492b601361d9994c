"""`flowplane dev` on embedded servers: serves /healthz, seeds acme/alice once, keeps its data."""

from __future__ import annotations

from pathlib import Path

import httpx

from flowplane.embedded import free_port
from tests.processes import FlowplaneProcess


def _start_dev(home: Path, port: int) -> FlowplaneProcess:
    process = FlowplaneProcess(
        ["dev", "--port", str(port), "--home", str(home), "--repo", str(home)],
        env={}, drop=("DATABASE_URL", "REDIS_URL"),
    ).start()
    process.wait_until(lambda: _healthy(port), "GET /healthz 200", timeout=90)
    return process


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_dev_starts_embedded_servers_seeds_once_and_survives_a_restart(tmp_path: Path) -> None:
    home, port = tmp_path / "home", free_port()
    first = _start_dev(home, port)
    try:
        body = httpx.get(f"http://127.0.0.1:{port}/healthz").json()
    finally:
        first.stop()
    assert body == {"status": "ok", "database": True, "redis": True}
    token = (home / "dev-token").read_text().strip()
    assert token.startswith("fp_") and token in first.output()
    assert "organization: acme" in first.output()

    second = _start_dev(home, port)
    second.stop()
    # The second start found the seeded organization and printed the same token again.
    assert token in second.output()
    assert (home / "postgres" / "PG_VERSION").exists()
