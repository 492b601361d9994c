"""Run the guest in a child process: start it (`start_guest`; it then waits for its request,
so it may be started ahead of its run), hand it the request, stream its stdout and stderr
lines as they are written, read its answer, and kill it (with everything it started) on
timeout or cancellation. A guest serves one run."""

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
    pid: int = 0  # the process the worker started for it (bwrap, or the scrubbed child)
    warm: bool = False  # served by a guest started ahead of the run (engine.sandbox.warm)


_TAGS = {b"\x1fi": "info", b"\x1fw": "warning"}  # guest.INFO, guest.WARNING
READY = b"R"  # guest.READY


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


async def _read_answer(pipe: _Pipe, ready: asyncio.Future[None]) -> tuple[bytes, bool]:
    """Everything on the answer pipe after the guest's READY byte (which resolves `ready`:
    written before the guest reads its request, so before any user code ran)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=_CHUNK)
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(pipe.take_read(), "rb", 0))
    data, too_large = b"", False
    try:
        while chunk := await reader.read(_CHUNK):
            if not ready.done():
                ready.set_result(None)
                chunk = chunk.removeprefix(READY)
            if len(data) + len(chunk) > MAX_ANSWER_BYTES:
                too_large = True  # keep draining so the guest is never blocked on the pipe
                continue
            data += chunk
    finally:
        transport.close()
        if not ready.done():  # it died first: nobody waits for it in vain
            ready.set_result(None)
    return data, too_large


def _kill(process: asyncio.subprocess.Process) -> None:
    """Kill the child and everything it started. In bubblewrap the guest is its own session
    (`--new-session`) and outlives a killed bwrap, so the guest (the PID namespace's init,
    whose death ends every process of the namespace) is killed first."""
    if process.returncode is None:  # not reaped: its pid is still its own, not a reused one
        for pid in _children(process.pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _children(parent: int) -> list[int]:
    """The processes whose parent is `parent`, from /proc (this kernel may lack
    /proc/PID/task/TID/children)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):  # gone meanwhile
            continue
        if int(fields[1]) == parent:
            found.append(int(entry.name))
    return found


@dataclass(frozen=True)
class GuestSpec:
    """What starting a guest depends on: bubblewrap (None: a scrubbed child), the
    environment's package directories, and whether it gets a way out (egress)."""

    bwrap: str | None
    packages: tuple[str, ...] = ()
    egress: bool = False


class Guest:
    """A guest started in its sandbox and waiting for its one request: `run` serves it once
    and then the guest is gone (nothing of one run can be seen by the next)."""

    def __init__(self, spec: GuestSpec, launch: Launch, workdir: Path, pipe: _Pipe,
                 process: asyncio.subprocess.Process) -> None:
        self.spec, self.launch, self.workdir = spec, launch, workdir
        self.process, self._pipe = process, pipe
        self.loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[None] = self.loop.create_future()
        self._answer = asyncio.ensure_future(_read_answer(pipe, self.ready))
        self._used = False

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.returncode is None and not self._used

    async def run(self, code: str, filename: str, inputs: Any, services: str, limits: Limits,
                  sink: LogSink, *, environ: dict[str, str] | None = None,
                  egress: EgressPolicy | None = None) -> ChildResult:
        """Hand the guest its request and supervise it to the end (once only)."""
        assert not self._used, "a guest serves one run"
        self._used = True
        try:
            async with contextlib.AsyncExitStack() as stack:
                proxy = None
                if self.spec.bwrap and self.spec.egress and egress is not None:
                    await stack.enter_async_context(egress_proxy(egress, self.workdir))
                    proxy = f"{WORKDIR}/{SOCKET}"
                request = _request(code, filename, inputs, services, limits, self.launch,
                                   proxy, environ or {})
                return await self._supervise(request, limits.timeout_seconds, sink)
        finally:
            self._cleanup()

    async def discard(self) -> None:
        """Kill an unused guest and remove what it had."""
        self._used = True
        _kill(self.process)
        try:
            async with asyncio.timeout(_DRAIN_SECONDS):
                await self.process.wait()
        except TimeoutError:  # reaped by the child watcher later
            pass
        finally:
            self._answer.cancel()
            self._cleanup()

    def kill(self) -> None:
        """discard() without waiting: for a guest of an event loop that is gone."""
        self._used = True
        _kill(self.process)
        self._cleanup()

    def _cleanup(self) -> None:
        self._pipe.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    async def _supervise(self, request: bytes, seconds: float, sink: LogSink) -> ChildResult:
        process = self.process
        assert process.stdin and process.stdout and process.stderr
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
            # A process that escaped the group (possible without bwrap only) may hold the
            # pipes.
            await asyncio.wait([*pumps, self._answer], timeout=_DRAIN_SECONDS)
            done = self._answer.done() and not self._answer.cancelled()
            raw, too_large = self._answer.result() if done else (b"", False)
        finally:
            if process.returncode is None:
                _kill(process)
                await process.wait()
            for task in (*pumps, self._answer):
                task.cancel()
        assert process.returncode is not None
        return ChildResult(process.returncode, _parse(raw), timed_out, too_large,
                           pid=process.pid)


async def start_guest(spec: GuestSpec) -> Guest:
    """Start a guest in a working directory of its own; it waits for its request."""
    workdir = Path(tempfile.mkdtemp(prefix="flowplane-node-"))
    pipe = _Pipe(*os.pipe())
    try:
        base = child_env(WORKDIR if spec.bwrap else str(workdir), {})
        launch = (bwrap_launch(spec.bwrap, workdir, pipe.write, base, spec.packages,
                               egress=spec.egress) if spec.bwrap
                  else scrubbed_launch(workdir, pipe.write, base, spec.packages))
        if launch.uid is not None:
            os.chown(workdir, launch.uid, launch.uid)
        process = await asyncio.create_subprocess_exec(
            *launch.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=launch.env, pass_fds=(pipe.write,),
            cwd=workdir, start_new_session=True)
    except BaseException:
        pipe.close()
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    pipe.close(pipe.write)  # the child holds the only write end: EOF once it is gone
    return Guest(spec, launch, workdir, pipe, process)


def _request(code: str, filename: str, inputs: Any, services: str, limits: Limits,
             launch: Launch, proxy: str | None, environ: dict[str, str]) -> bytes:
    # marshal, not JSON: the guest then never imports json (see guest.py); the answer, which
    # comes from untrusted code, is JSON.
    request: bytes = marshal.dumps({
        "code": code, "filename": filename, "inputs": inputs, "services": services,
        "environ": environ, "paths": launch.paths, "uid": launch.uid,
        "workdir": launch.workdir, "proxy": proxy,
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
    """Run `main(inputs)` of `code` in a child started for it (in bubblewrap when `bwrap` is
    a path); `env`: variables of this run beside PATH, HOME and LANG; `packages`: its
    environment's package directories, bound read-only; `egress`: give a bubblewrap child a
    way out, through the proxy that enforces this policy."""
    guest = await start_guest(GuestSpec(bwrap, packages, egress is not None))
    return await guest.run(code, filename, inputs, services, limits, sink, environ=env,
                           egress=egress)


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


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        answer = json.loads(raw) if raw else None
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None
