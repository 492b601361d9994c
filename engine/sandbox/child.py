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

from domain.egress import EgressPolicy
from engine.sandbox.egress_proxy import SOCKET, egress_proxy
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


async def _read_answer(pipe: _Pipe) -> tuple[bytes, bool]:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=_CHUNK)
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(pipe.take_read(), "rb", 0))
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
             launch: Launch, proxy: str | None) -> bytes:
    # marshal, not JSON: the guest then never imports json (see guest.py); the answer, which
    # comes from untrusted code, is JSON.
    request: bytes = marshal.dumps({
        "code": code, "filename": filename, "inputs": inputs, "services": services,
        "paths": launch.paths, "uid": launch.uid, "workdir": launch.workdir, "proxy": proxy,
        "limits": {"memory_mb": limits.memory_mb,
                   "cpu_seconds": int(limits.timeout_seconds) + 1,
                   "processes": limits.processes, "open_files": limits.open_files,
                   "file_mb": limits.file_mb},
    })
    return request


async def run_child(code: str, filename: str, inputs: Any, services: str, limits: Limits,
                    sink: LogSink, *, bwrap: str | None, env: dict[str, str],
                    packages: tuple[str, ...] = (),
                    egress: EgressPolicy | None = None) -> ChildResult:
    """Run `main(inputs)` of `code` in a child (in bubblewrap when `bwrap` is a path);
    `packages`: its environment's package directories, bound read-only; `egress`: give a
    bubblewrap child a way out, through the proxy that enforces this policy."""
    workdir = Path(tempfile.mkdtemp(prefix="flowplane-node-"))
    pipe = _Pipe(*os.pipe())
    try:
        base = child_env(WORKDIR if bwrap else str(workdir), env)
        launch = (bwrap_launch(bwrap, workdir, pipe.write, base, packages,
                               egress=egress is not None) if bwrap
                  else scrubbed_launch(workdir, pipe.write, base, packages))
        if launch.uid is not None:
            os.chown(workdir, launch.uid, launch.uid)
        async with contextlib.AsyncExitStack() as stack:
            proxy = None
            if bwrap and egress is not None:
                await stack.enter_async_context(egress_proxy(egress, workdir))
                proxy = f"{WORKDIR}/{SOCKET}"
            request = _request(code, filename, inputs, services, limits, launch, proxy)
            return await _supervise(launch, workdir, pipe, request, limits.timeout_seconds,
                                    sink)
    finally:
        pipe.close()
        shutil.rmtree(workdir, ignore_errors=True)


class _Pipe:
    """The answer pipe; each end is closed exactly once (a number closed twice could by then
    be another task's file)."""

    def __init__(self, read: int, write: int) -> None:
        self.read, self.write = read, write
        self._open = {read, write}

    def close(self, *fds: int) -> None:
        for fd in fds or tuple(self._open):
            if fd in self._open:
                self._open.discard(fd)
                os.close(fd)

    def take_read(self) -> int:
        """Hand the read end over (to the answer reader, which closes it)."""
        self._open.discard(self.read)
        return self.read


async def _supervise(launch: Launch, workdir: Path, pipe: _Pipe, request: bytes,
                     seconds: float, sink: LogSink) -> ChildResult:
    process = await asyncio.create_subprocess_exec(
        *launch.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=launch.env, pass_fds=(pipe.write,), cwd=workdir,
        start_new_session=True)
    pipe.close(pipe.write)  # the child holds the only write end: EOF once it is gone
    assert process.stdin and process.stdout and process.stderr
    answer_task = asyncio.ensure_future(_read_answer(pipe))
    pumps = [asyncio.ensure_future(_pump(process.stdout, "info", sink)),
             asyncio.ensure_future(_pump(process.stderr, "warning", sink))]
    timed_out = False
    try:
        try:
            async with asyncio.timeout(seconds):
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    process.stdin.write(request)
                    await process.stdin.drain()
                    process.stdin.close()
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
