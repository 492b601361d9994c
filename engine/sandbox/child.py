"""Run the guest in a child process: hand it the request, stream its stdout and stderr lines
as they are written, read its answer, and kill it (with everything it started) on timeout or
cancellation."""

from __future__ import annotations

import asyncio
import contextlib
import json
import marshal
import os
import shutil
import signal
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.sandbox.launch import WORKDIR, Launch, bwrap_launch, child_env, scrubbed_launch

LogSink = Callable[[str, str], None]  # (level, line)
MAX_LINE_BYTES = 8 * 1024
MAX_ANSWER_BYTES = 64 * 1024 * 1024
_CHUNK = 64 * 1024
_DRAIN_SECONDS = 5.0


@dataclass(frozen=True)
class Limits:
    timeout_seconds: float
    memory_mb: int
    processes: int = 64
    open_files: int = 256
    file_mb: int = 256


@dataclass(frozen=True)
class ChildResult:
    returncode: int
    answer: dict[str, Any] | None  # Any: the guest's JSON answer; None if it gave none
    timed_out: bool = False
    answer_too_large: bool = False


_TAGS = {b"\x1fi": "info", b"\x1fw": "warning"}  # guest.INFO, guest.WARNING


def _emit(line: bytes, level: str, sink: LogSink) -> None:
    tagged = _TAGS.get(line[:2])
    sink(tagged or level, (line[2:] if tagged else line).decode(errors="replace"))


async def _pump(stream: asyncio.StreamReader, level: str, sink: LogSink) -> None:
    """Lines as they come (tagged by the guest, or raw writes to the fd at `level`); a line
    longer than MAX_LINE_BYTES is cut into pieces."""
    pending = b""
    while chunk := await stream.read(_CHUNK):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            _emit(line, level, sink)
        while len(pending) > MAX_LINE_BYTES:
            _emit(pending[:MAX_LINE_BYTES], level, sink)
            pending = pending[MAX_LINE_BYTES:]
    if pending:
        _emit(pending, level, sink)


async def _read_answer(fd: int) -> tuple[bytes, bool]:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=_CHUNK)
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", 0))
    data, too_large = b"", False
    try:
        while chunk := await reader.read(_CHUNK):
            if len(data) + len(chunk) > MAX_ANSWER_BYTES:
                too_large = True  # keep draining so the guest is never blocked on the pipe
                continue
            data += chunk
    finally:
        transport.close()
    return data, too_large


def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _request(code: str, filename: str, inputs: Any, services: str, limits: Limits,
             launch: Launch) -> bytes:
    # marshal, not JSON: the guest then never imports json (see guest.py); the answer, which
    # comes from untrusted code, is JSON.
    request: bytes = marshal.dumps({
        "code": code, "filename": filename, "inputs": inputs, "services": services,
        "paths": launch.paths, "uid": launch.uid, "workdir": launch.workdir,
        "limits": {"memory_mb": limits.memory_mb,
                   "cpu_seconds": int(limits.timeout_seconds) + 1,
                   "processes": limits.processes, "open_files": limits.open_files,
                   "file_mb": limits.file_mb},
    })
    return request


async def run_child(code: str, filename: str, inputs: Any, services: str, limits: Limits,
                    sink: LogSink, *, bwrap: str | None, env: dict[str, str]) -> ChildResult:
    """Run `main(inputs)` of `code` in a child (in bubblewrap when `bwrap` is a path)."""
    workdir = Path(tempfile.mkdtemp(prefix="flowplane-node-"))
    read_fd, write_fd = os.pipe()
    try:
        base = child_env(WORKDIR if bwrap else str(workdir), env)
        launch = (bwrap_launch(bwrap, workdir, write_fd, base) if bwrap
                  else scrubbed_launch(workdir, write_fd, base))
        if launch.uid is not None:
            os.chown(workdir, launch.uid, launch.uid)
        return await _supervise(launch, workdir, read_fd, write_fd,
                                _request(code, filename, inputs, services, limits, launch),
                                limits.timeout_seconds, sink)
    finally:
        for fd in (read_fd, write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(workdir, ignore_errors=True)


async def _supervise(launch: Launch, workdir: Path, read_fd: int, write_fd: int,
                     request: bytes, seconds: float, sink: LogSink) -> ChildResult:
    process = await asyncio.create_subprocess_exec(
        *launch.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=launch.env, pass_fds=(write_fd,), cwd=workdir,
        start_new_session=True)
    os.close(write_fd)  # the child holds the only write end: EOF once it is gone
    assert process.stdin and process.stdout and process.stderr
    answer_task = asyncio.ensure_future(_read_answer(os.dup(read_fd)))
    pumps = [asyncio.ensure_future(_pump(process.stdout, "info", sink)),
             asyncio.ensure_future(_pump(process.stderr, "warning", sink))]
    timed_out = False
    try:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            process.stdin.write(request)
            await process.stdin.drain()
            process.stdin.close()
        try:
            async with asyncio.timeout(seconds):
                await process.wait()
        except TimeoutError:
            timed_out = True
        _kill(process)  # whatever it left behind (in bwrap the namespace dies with it)
        await process.wait()
        # A process that escaped the group (possible without bwrap only) may hold the pipes.
        await asyncio.wait([*pumps, answer_task], timeout=_DRAIN_SECONDS)
        raw, too_large = answer_task.result() if answer_task.done() else (b"", False)
    finally:
        if process.returncode is None:
            _kill(process)
            await process.wait()
        for task in (*pumps, answer_task):
            task.cancel()
    assert process.returncode is not None
    return ChildResult(process.returncode, _parse(raw), timed_out, too_large)


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        answer = json.loads(raw) if raw else None
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None
