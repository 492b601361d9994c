"""`.flowplane/dev.json`: where the running `flowplane dev` of a checkout serves.

`flowplane dev` writes it once its servers answer and removes it when it stops; every other
command run in the checkout reads it (flowplane.runtime) when DATABASE_URL / REDIS_URL are
unset. `dev.lock` beside it is held (flock) for as long as that `flowplane dev` runs, so a
second one on the same data directory is refused instead of sharing its servers.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from flowplane.errors import CliError

RECORD_NAME, LOCK_NAME = "dev.json", "dev.lock"


@dataclass(frozen=True)
class DevRecord:
    pid: int
    api: str
    DATABASE_URL: str
    REDIS_URL: str


def write_record(home: Path, record: DevRecord) -> Path:
    """Write atomically (a reader never sees half a file), readable by this user only."""
    path, partial = home / RECORD_NAME, home / f".{RECORD_NAME}.partial"
    partial.write_text(json.dumps(asdict(record), indent=2) + "\n")
    partial.chmod(0o600)
    partial.replace(path)
    return path


def remove_record(home: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (home / RECORD_NAME).unlink()


def read_record(path: Path) -> DevRecord | None:
    """The record at `path`, or None when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text())
        return DevRecord(int(data["pid"]), str(data["api"]), str(data["DATABASE_URL"]),
                         str(data["REDIS_URL"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class AlreadyRunning(CliError):
    def __init__(self, home: Path, pid: str) -> None:
        super().__init__(f"flowplane dev is already running with its data in {home}"
                         f"{f' (pid {pid})' if pid else ''}: use that one, stop it first, "
                         "or give this one another --home")


class DevLock:
    """Held from start to stop of one `flowplane dev`; the kernel drops it if we die."""

    def __init__(self, home: Path) -> None:
        self.path = home / LOCK_NAME
        self._file: IO[str] | None = None

    def __enter__(self) -> DevLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            raise AlreadyRunning(self.path.parent, holder) from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the lock
            self._file = None
