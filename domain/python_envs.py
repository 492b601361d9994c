"""Local builds of environments' python packages (docs/environments.md).

Without a cluster an environment's `python.packages` are installed by the worker's own pip
into a package directory per (organization, content hash): built once, reused by every
deployment and worker of that organization, bound read-only into the sandbox of the
`python` nodes of the workflows that name the environment. A directory, not a virtual
environment: the sandbox runs the base interpreter and binds package directories only, so a
venv's interpreter and scripts would be dead weight. pip runs with a scrubbed environment
(nothing of the worker's variables), wheels only unless `FLOWPLANE_PYTHON_SOURCE_BUILDS`.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain._sql import fetch, fetch_one, loads
from domain.environment_builds import PROGRESS_SECONDS, record_build_log, set_build_state
from domain.rows import EnvironmentRow
from domain.settings import get_settings
from telemetry.metrics import ENVIRONMENT_BUILDS

READY = "ready"  # marker file: the directory is complete
LOG_BYTES = 64 * 1024  # buildLog keeps the installer output's tail beyond this


class PythonBuildFailed(Exception):
    def __init__(self, message: str, log: str) -> None:
        super().__init__(message)
        self.message = message
        self.log = log


class BuildSuperseded(Exception):
    """The environment was saved with other packages before this build was recorded: the
    build no longer speaks for it (its directory stays, complete or not, for its content)."""


class PackagesNotBuilt(Exception):
    """The workflow's environment has python packages that are not installed here."""


@dataclass(frozen=True)
class SandboxTarget:
    """Whose a python node's sandbox is, and what it binds: the workflow's organization,
    which deployment of it runs ("" when it is not deployed), and the package directory of
    its environment (None: no python packages)."""

    organization_id: int
    deployment: str
    packages: Path | None


async def sandbox_target(workflow_id: int) -> SandboxTarget:
    """The sandbox target of a workflow's python nodes; PackagesNotBuilt when its
    environment's packages are not installed here."""
    rows = await fetch(
        "SELECT w.organization, w.deployed_at, e.name, e.python FROM workflow w"
        " LEFT JOIN environment e ON e.organization = w.organization"
        " AND e.name = w.deployment_environment_id WHERE w.id = $1", workflow_id)
    if not rows:
        raise PackagesNotBuilt(f"workflow {workflow_id} does not exist")
    row = rows[0]
    deployment = "" if row["deployed_at"] is None else row["deployed_at"].isoformat()
    python = loads(row["python"])
    if not isinstance(python, dict):
        return SandboxTarget(int(row["organization"]), deployment, None)
    found = built_packages(int(row["organization"]), python)
    if found is None:
        raise PackagesNotBuilt(
            f"the python packages of environment {row['name']!r} are not installed on "
            "this worker: deploy the workflow again to build them")
    return SandboxTarget(int(row["organization"]), deployment, found)


def content_hash(python: dict[str, Any]) -> str:
    """What decides the directory's content (Any: the `python` JSON column)."""
    key = {"packages": list(python.get("packages") or []),
           "python": f"{sys.version_info.major}.{sys.version_info.minor}",
           "sourceBuilds": get_settings().python_source_builds}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def package_dir(organization_id: int, python: dict[str, Any]) -> Path:
    root = Path(get_settings().python_envs_dir).expanduser()
    return root / str(organization_id) / content_hash(python)


def built_packages(organization_id: int, python: dict[str, Any]) -> Path | None:
    """The site-packages of a finished build, or None."""
    directory = package_dir(organization_id, python)
    return directory / "site-packages" if (directory / READY).exists() else None


def bounded(log: str) -> str:
    data = log.encode()
    if len(data) <= LOG_BYTES:
        return log
    return "[earlier output cut]\n" + data[-LOG_BYTES:].decode(errors="replace")


async def ensure_built(row: EnvironmentRow, python: dict[str, Any]) -> Path:
    """The environment's package directory, building it first unless it exists; the
    environment row's build status and log follow (Any: JSON). Raises
    BuildSuperseded when the environment no longer has these packages (checked once the
    build's turn has come and when it is over): build what it has now instead."""
    organization_id = row.organization
    directory = package_dir(organization_id, python)
    directory.mkdir(parents=True, exist_ok=True)
    lock = os.open(directory / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        # One build per directory, across processes: a second deployer waits, then reuses.
        await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
        await _check_current(row, python)
        found = built_packages(organization_id, python)
        if found is not None:
            await _set(row, python, "ready", None, None)
            return found
        return await _build(row, python, directory)
    finally:
        os.close(lock)


async def _build(row: EnvironmentRow, python: dict[str, Any], directory: Path) -> Path:
    packages = list(python.get("packages") or [])
    await _set(row, python, "building", None, "")
    ENVIRONMENT_BUILDS.labels("started").inc()
    try:
        log = await _install(directory, packages,
                             lambda so_far: record_build_log(row.id, so_far, packages))
    except PythonBuildFailed as error:
        await _check_current(row, python)  # a failure of what it no longer asks for is moot
        await _set(row, python, "failed", error.message, error.log)
        ENVIRONMENT_BUILDS.labels("failed").inc()
        raise
    (directory / READY).write_text(content_hash(python))
    ENVIRONMENT_BUILDS.labels("ready").inc()
    await _check_current(row, python)
    await _set(row, python, "ready", None, log)
    return directory / "site-packages"


async def _check_current(row: EnvironmentRow, python: dict[str, Any]) -> None:
    """BuildSuperseded unless the environment still has `python`'s content (Any: JSON)."""
    current = await fetch_one("SELECT python FROM environment WHERE id = $1", row.id)
    now = None if current is None else loads(current["python"])
    if not isinstance(now, dict) or content_hash(now) != content_hash(python):
        raise BuildSuperseded(
            f"environment {row.name!r} was saved with other python packages meanwhile")


async def _install(
    directory: Path, packages: list[str], progress: Callable[[str], Awaitable[None]]
) -> str:
    """pip's output; `progress` gets the output so far as it is written (at most every
    PROGRESS_SECONDS)."""
    target = directory / "site-packages"
    shutil.rmtree(target, ignore_errors=True)  # a build cut short before
    wheels = [] if get_settings().python_source_builds else ["--only-binary", ":all:"]
    with tempfile.TemporaryDirectory(prefix="flowplane-pip-") as home:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "pip", "install", "--disable-pip-version-check",
            "--no-input", "--no-cache-dir", "--no-compile", *wheels, "--target", str(target),
            "--", *packages,
            env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"},
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        assert process.stdout is not None  # piped above
        output = await _read(process.stdout, progress)
        await process.wait()
    log = bounded(output)
    if process.returncode == 0:
        return log
    shutil.rmtree(target, ignore_errors=True)
    raise PythonBuildFailed(_why(log, packages), log)


async def _read(
    stream: asyncio.StreamReader, progress: Callable[[str], Awaitable[None]]
) -> str:
    """All of `stream`, handing the output so far to `progress` as it arrives (throttled:
    one write per PROGRESS_SECONDS however chatty the installer is; the interval is for
    display only, nothing depends on it)."""
    chunks: list[bytes] = []
    last: float | None = None  # when progress was last reported (None: not yet)
    while chunk := await stream.read(65536):  # whatever has arrived: lines may be long
        chunks.append(chunk)
        if last is None or time.monotonic() - last >= PROGRESS_SECONDS:
            await progress(bounded(b"".join(chunks).decode(errors="replace")))
            last = time.monotonic()
    return b"".join(chunks).decode(errors="replace")


def _why(log: str, packages: list[str]) -> str:
    errors = [line for line in log.splitlines() if line.startswith("ERROR:")]
    if "from versions: none" in log and not get_settings().python_source_builds:
        return ("no wheel found for this platform (packages install from wheels only unless "
                "the operator sets FLOWPLANE_PYTHON_SOURCE_BUILDS=true), or no such package: "
                + "; ".join(errors))
    return "pip install failed: " + ("; ".join(errors) or log.strip()[-500:])


async def _set(
    row: EnvironmentRow, python: dict[str, Any], status: str, error: str | None,
    log: str | None,
) -> None:
    await set_build_state(row.id, status, error, log=log,
                          packages=list(python.get("packages") or []))
