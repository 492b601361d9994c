"""The supervised child processes of `flowplane dev`: API, local workers, scheduler, sync."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flowplane.embedded import child_process_options, free_port

STOP_TIMEOUT = 10.0


@dataclass
class Part:
    """One child process: `python -m flowplane <args>`, restarted with a backoff if it dies."""

    name: str
    args: list[str]
    metrics_port: int | None = None  # where it serves its metrics (the API: on its own port)
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    restart_at: float = 0.0

    def start(self, env: dict[str, str]) -> None:
        metrics = [] if self.metrics_port is None else ["--metrics-port", str(self.metrics_port)]
        command = [sys.executable, "-m", "flowplane", *self.args, *metrics]
        self.process = subprocess.Popen(command, env=env, **child_process_options())

    @property
    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait_or_kill(self, deadline: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def dev_parts(host: str, port: int, repo: Path, home: Path, org: str,
              say: Callable[[str], None]) -> list[Part]:
    """API, the local workers (default queue + locally deployed workflows), the scheduler
    (cron, sweeper) and, in a git checkout, the sync of its workflows.d/ on whichever branch
    is checked out. Each part but the API gets a metrics port of its own, on loopback."""
    parts = [
        Part("api", ["serve", "--host", host, "--port", str(port)]),
        Part("local-workers", ["local-workers"], free_port()),
        Part("scheduler", ["scheduler"], free_port()),
    ]
    if not (repo / ".git").exists():
        say(f"{repo} is not a git checkout: the sync of workflows.d/ is off")
        return parts
    parts.append(Part("sync", [
        "sync", "--repo", str(repo), "--org", org, "--interval", "2s",
        "--cache-dir", str(home / "sync-cache"),
    ], free_port()))
    return parts


def restart_crashed(parts: list[Part], env: dict[str, str], say: Callable[[str], None]) -> None:
    """Restart each part that exited, after a backoff that grows with its restarts."""
    now = time.monotonic()
    for part in parts:
        code = part.exited
        if code is None:
            continue
        if part.restart_at == 0.0:
            part.restarts += 1
            part.restart_at = now + min(10.0, float(part.restarts))
            say(f"{part.name} exited ({code}); restarting in {part.restart_at - now:.0f}s")
        elif now >= part.restart_at:
            part.restart_at = 0.0
            part.start(env)


def stop_parts(parts: list[Part], say: Callable[[str], None]) -> None:
    """SIGTERM every part at once, then wait (SIGKILL after STOP_TIMEOUT)."""
    running = [part for part in parts if part.exited is None]
    if not running:
        return
    say(f"stopping {', '.join(part.name for part in reversed(running))}")
    for part in reversed(running):
        part.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for part in running:
        part.wait_or_kill(deadline)
