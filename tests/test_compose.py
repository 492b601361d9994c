"""compose.yaml runs API, worker, scheduler, sync, PostgreSQL and Redis: Docker Compose
accepts it, and every Flowplane command in it parses against the real CLI."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from typer.core import TyperGroup

from flowplane.cli import command

ROOT = Path(__file__).parents[1]
COMPOSE = ROOT / "compose.yaml"


def _compose_cli() -> list[str] | None:
    """`docker compose` (v2) where the plugin is installed, else `docker-compose`."""
    if shutil.which("docker") and subprocess.run(
        ["docker", "compose", "version"], capture_output=True, check=False
    ).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


@pytest.mark.skipif(_compose_cli() is None,
                    reason="needs Docker Compose (`docker compose` or `docker-compose`)")
def test_docker_compose_accepts_the_file() -> None:
    cli = _compose_cli()
    assert cli is not None
    result = subprocess.run([*cli, "-f", str(COMPOSE), "config", "-q"], capture_output=True,
                            text=True, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def _services() -> dict[str, Any]:
    services: dict[str, Any] = YAML(typ="safe").load(COMPOSE.read_text())["services"]
    return services


def test_it_runs_every_part_of_the_platform() -> None:
    services = _services()
    commands = {name: (spec.get("command") or [""])[0] for name, spec in services.items()}
    assert {commands["api"], commands["worker"], commands["scheduler"], commands["sync"]} == {
        "serve", "local-workers", "scheduler", "sync"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")


@pytest.mark.parametrize("service", ["api", "worker", "scheduler", "sync"])
def test_its_flowplane_commands_parse(service: str) -> None:
    args = list(_services()[service]["command"])
    root = command()
    assert isinstance(root, TyperGroup)
    sub = root.commands[args[0]]
    with sub.make_context(args[0], args[1:]) as context:  # raises on an unknown option
        assert context.command is sub
