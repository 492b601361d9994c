"""Running the reference JavaScript clients of `tests/node/` under Node against a real server.

`node_clients()` installs the pinned packages of `tests/node/package-lock.json` with `npm ci`
once (again when the lock file changes) and returns the folder; without Node 20+ and npm the
calling test is skipped with that reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

NODE_DIR = Path(__file__).parent / "node"
_STAMP = NODE_DIR / "node_modules" / ".flowplane-installed"


def _node_major(node: str) -> int:
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    return int(version.stdout.strip().lstrip("v").split(".")[0])


def node_clients() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js 20+ with npm is not installed (the reference JS clients run on it)")
    if _node_major(node) < 20:
        pytest.skip("Node.js is older than 20 (the reference JS clients need 20+)")
    lock = (NODE_DIR / "package-lock.json").read_bytes()
    if not _STAMP.exists() or _STAMP.read_bytes() != lock:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=NODE_DIR, check=True, capture_output=True)
        _STAMP.write_bytes(lock)
    return NODE_DIR


def run_node(script: str, env: dict[str, str], timeout: float = 120) -> Any:
    """Run `tests/node/<script>` and return the JSON it prints (Any: the script's report)."""
    folder = node_clients()
    done = subprocess.run(["node", script], cwd=folder, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{script} failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout)

