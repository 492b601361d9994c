"""Real Flowplane processes for tests: `python -m flowplane <command>` with the test's database
and Redis, started, waited for, killed. Output goes to a log file shown when a wait fails."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from domain import _envelope
from flowplane.embedded import free_port


class FlowplaneProcess:
    def __init__(
        self, args: list[str], env: dict[str, str], drop: tuple[str, ...] = (),
        cwd: Path | None = None,
    ) -> None:
        """`env` is added to this process's environment, less the variables named in `drop`."""
        self.args = args
        self.cwd = cwd
        self.env = {k: v for k, v in {**os.environ, **env}.items() if k not in drop}
        self.log = Path(tempfile.mkstemp(prefix="flowplane-proc-", suffix=".log")[1])
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> FlowplaneProcess:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flowplane", *self.args],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=self.cwd,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float = 120) -> None:
        # Generous: on a loaded 2-core machine importing the platform alone has taken 30 s; the
        # deadline only bounds how long a broken start takes to be reported.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"{self.args} exited early:\n{self.output()[-3000:]}")
            if ready():
                return
            time.sleep(0.05)
        raise AssertionError(f"{self.args}: {what} not reached:\n{self.output()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up (a crashed worker)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


class ApiServer(FlowplaneProcess):
    """`flowplane serve` on a free port, ready once /healthz answers 200."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        # A server outlives the test that started it (module fixtures), and `serve` refuses
        # to start without a master key once any secret exists: one an earlier test left
        # before this module's first test emptied the tables. Unless the test chose a key
        # (or none, with an empty value), the server gets a key of its own.
        if "FLOWPLANE_SECRET_KEY" not in {**os.environ, **env}:
            env = {**env, "FLOWPLANE_SECRET_KEY": _envelope.encode_key(_envelope.new_key())}
        super().__init__(["serve", "--host", "127.0.0.1", "--port", str(self.port)], env)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait_healthy: bool = True) -> ApiServer:
        super().start()
        if wait_healthy:
            self.wait_until(self._healthy, "GET /healthz 200")
        return self

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False


class DevPlatform(FlowplaneProcess):
    """`flowplane dev` on a free port and embedded servers (DATABASE_URL / REDIS_URL dropped),
    ready once it prints its "ready" banner. Without `home` it uses `<cwd>/.flowplane`, as
    `make dev` does."""

    def __init__(self, cwd: Path, home: Path | None = None, port: int | None = None) -> None:
        self.port = port or free_port()
        self.home = home or cwd / ".flowplane"
        args = ["dev", "--port", str(self.port), *(["--home", str(home)] if home else [])]
        super().__init__(args, env={}, drop=("DATABASE_URL", "REDIS_URL"), cwd=cwd)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        return (self.home / "dev-token").read_text().strip()

    def start(self, wait_ready: bool = True) -> DevPlatform:
        super().start()
        if wait_ready:
            self.wait_until(lambda: "Flowplane is ready" in self.output(), "the ready banner",
                            timeout=120)
        return self

    def interrupt(self) -> int:
        """Ctrl-C as a terminal sends it (to dev only: its children have their own group)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(60)


def run_flowplane(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
                  drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """`python -m flowplane args...` to completion, output captured."""
    environ = {k: v for k, v in {**os.environ, **(env or {})}.items() if k not in drop}
    return subprocess.run([sys.executable, "-m", "flowplane", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=120, check=False)


@contextlib.contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A folder for a `flowplane dev` home, outside pytest's tmp_path: as root, PostgreSQL runs
    as `embedded_postgres`, which must traverse the parents of its data directory, and every
    pytest session that starts on the machine resets /tmp/pytest-of-<user> to mode 0700."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
