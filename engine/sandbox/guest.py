"""What runs inside the sandbox: `python -I -S guest.py RESULT_FD`. Standard library only,
never imported by the worker.

Once started it writes READY to RESULT_FD, then blocks until one request has come on stdin
(marshal: written by the worker, so trusted; json would double the interpreter's start), so a
guest may be started ahead of its run (`engine.sandbox.warm`). Then it lowers its own hard
rlimits (and, when the sandbox was started by root, gives up root for an unprivileged uid),
sets the run's variables, then runs the user's module and calls its `main(inputs)`, awaiting
it if it is a coroutine. `sys.stdout` and `sys.stderr` write tagged lines to fd 1 (the log
lines, in order); the answer goes to RESULT_FD as one JSON object:

    {"ok": true, "output": ...}
    {"ok": false, "error": {"kind", "type", "message", "traceback"}}

`kind` is `exception`, `memory`, `output` (not JSON), `syntax` or `main` (no main function).
A traceback holds the frames of the user's code only.
"""

import io
import marshal
import os
import resource
import sys
from _json import encode_basestring_ascii as _quote  # json's own C string escaper

# json (which imports re: two thirds of a bare interpreter's start), typing, asyncio,
# traceback and linecache are not imported, or only when a run needs them; nor is
# __future__ (annotations are strings instead).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import selectors
    import socket
    from typing import Any

INFO, WARNING = b"\x1fi", b"\x1fw"  # the tags of stdout and stderr lines on fd 1
READY = b"R"  # the first byte on RESULT_FD: started, waiting for its request
_LIMITS = {
    "memory_mb": (resource.RLIMIT_AS, 1024 * 1024),
    "cpu_seconds": (resource.RLIMIT_CPU, 1),
    "processes": (resource.RLIMIT_NPROC, 1),
    "open_files": (resource.RLIMIT_NOFILE, 1),
    "file_mb": (resource.RLIMIT_FSIZE, 1024 * 1024),
}


def _confine(request: "dict[str, Any]") -> None:
    for name, value in (request.get("limits") or {}).items():
        limit, unit = _LIMITS[name]
        resource.setrlimit(limit, (int(value) * unit, int(value) * unit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    uid = request.get("uid")
    if uid is not None:  # started by root: become a uid of this run alone, with no capability
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    os.chdir(request["workdir"])
    services = request.get("services")
    if services is not None:  # set here, never on a command line another process could read
        os.environ["STRONGLY_SERVICES"] = services
    os.environ.update(request.get("environ") or {})  # of this run (TRACEPARENT)
    sys.path[:0] = list(request.get("paths") or [])


def _relay(socket_path: str) -> None:
    """FLOWPLANE_SANDBOX_NETWORK=egress: a port on the sandbox's own loopback, relayed to the
    worker's egress proxy (its Unix socket, bound in the working directory), named in the
    proxy variables every common client reads. The proxy judges each request; there is no
    other route out, so code that ignores the variables reaches nothing.

    One thread relays every connection (non-blocking sockets under a selector), so the relay
    takes none of the run's thread budget per connection: under the address-space limit a
    thread costs its stack, and a relay that could not start one would stop accepting."""
    import selectors
    import socket
    import threading

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.setblocking(False)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        os.environ[name] = os.environ[name.lower()] = url
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = ""
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, None)

    def accept() -> None:
        try:
            client, _ = listener.accept()
        except OSError:  # gone before it was taken
            return
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(socket_path)  # the proxy's socket: taken at once by the worker
        except OSError:
            client.close()
            upstream.close()
            return
        _Pair(selector, client, upstream)

    def serve() -> None:
        while True:
            for key, events in selector.select():
                if key.data is None:
                    accept()
                else:
                    key.data.step(key.fileobj, events)

    threading.Thread(target=serve, daemon=True).start()


class _Pair:
    """Two connected sockets of the relay, each direction buffered apart: a direction reads
    only once what it read before has been written on, and an end of file is passed on as a
    shutdown of the other side's writing half, so each side may close its half first."""

    CHUNK = 65536

    def __init__(self, selector: "selectors.BaseSelector", one: "socket.socket",
                 other: "socket.socket") -> None:
        import selectors

        self.read, self.write = selectors.EVENT_READ, selectors.EVENT_WRITE
        self.selector, self.ends = selector, (one, other)
        self.pending = [b"", b""]  # read from ends[i], not yet written to ends[1 - i]
        self.done = [False, False]  # ends[i] reached its end of file
        self.passed = [False, False]  # ... and ends[1 - i] was shut for writing
        for end in self.ends:
            end.setblocking(False)
            selector.register(end, self.read, self)
        self.registered = [True, True]

    def step(self, end: "socket.socket", events: int) -> None:
        try:
            if events & self.read:
                side = self.ends.index(end)
                try:
                    data = end.recv(self.CHUNK)
                except BlockingIOError:  # woken with nothing to read after all
                    data = None
                if data is not None:
                    self.pending[side], self.done[side] = data, not data
            for side in (0, 1):
                self._flush(side)
        except OSError:
            self.close()
            return
        if all(self.passed):
            self.close()
            return
        for side in (0, 1):  # what each end waits for now
            reading = not (self.done[side] or self.pending[side])
            self._want(side, (self.read if reading else 0)
                       | (self.write if self.pending[1 - side] else 0))

    def _flush(self, side: int) -> None:
        import socket

        sink = self.ends[1 - side]
        if self.pending[side]:
            try:
                sent = sink.send(self.pending[side])
            except BlockingIOError:
                sent = 0
            self.pending[side] = self.pending[side][sent:]
        if self.done[side] and not self.pending[side] and not self.passed[side]:
            sink.shutdown(socket.SHUT_WR)
            self.passed[side] = True

    def _want(self, side: int, events: int) -> None:
        end = self.ends[side]
        if events and self.registered[side]:
            self.selector.modify(end, events, self)
        elif events:
            self.selector.register(end, events, self)
        elif self.registered[side]:
            self.selector.unregister(end)
        self.registered[side] = bool(events)

    def close(self) -> None:
        for side, end in enumerate(self.ends):
            if self.registered[side]:
                self.selector.unregister(end)
                self.registered[side] = False
            end.close()


class _Tagged(io.TextIOBase):
    """sys.stdout / sys.stderr: each line goes to fd 1 behind a level tag, so the worker gets
    prints and stderr lines in the order they were written (two pipes would race)."""

    def __init__(self, tag: bytes) -> None:
        self._tag, self._pending = tag, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self._pending = (self._pending + text).split("\n")
        if lines:
            os.write(1, b"".join(self._tag + line.encode(errors="replace") + b"\n"
                                 for line in lines))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.write("\n")


def _user_frames(error: BaseException, filename: str, code: str) -> str:
    import linecache
    import traceback

    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    return "".join(traceback.format_list(frames))


def _failure(kind: str, error: BaseException, filename: str, code: str) -> "dict[str, Any]":
    return {"ok": False, "error": {"kind": kind, "type": type(error).__name__,
                                   "message": str(error),
                                   "traceback": _user_frames(error, filename, code)}}


def _load(code: str, filename: str) -> "Any":  # Any: the user's main function
    module: dict[str, Any] = {"__name__": "__flowplane_node__", "__file__": filename}
    exec(compile(code, filename, "exec"), module)
    main = module.get("main")
    if not callable(main):
        raise _NoMain("the code defines no function main(inputs)")
    return main


class _NoMain(Exception):
    pass


def _run(request: "dict[str, Any]") -> "dict[str, Any]":
    filename, code = str(request.get("filename") or "main.py"), str(request["code"])
    try:
        main = _load(code, filename)
    except SyntaxError as error:
        return {"ok": False, "error": {"kind": "syntax", "type": "SyntaxError",
                                       "message": f"{error.msg} (line {error.lineno})",
                                       "traceback": ""}}
    except _NoMain as error:
        return _failure("main", error, filename, code)
    except MemoryError as error:
        return _failure("memory", error, filename, code)
    except BaseException as error:  # raised by the module's own top-level code
        return _failure("exception", error, filename, code)
    try:
        output = main(request.get("inputs"))
        if hasattr(output, "__await__"):
            import asyncio

            output = asyncio.run(_awaited(output))
    except MemoryError as error:
        return _failure("memory", error, filename, code)
    except BaseException as error:  # SystemExit and KeyboardInterrupt fail the node too
        return _failure("exception", error, filename, code)
    return {"ok": True, "output": output}


async def _awaited(awaitable: "Any") -> "Any":  # Any: whatever the user's coroutine returns
    return await awaitable


MAX_DEPTH = 200
_KEYS = {True: "true", False: "false", None: "null"}


def _encode(value: "Any", depth: int = 0) -> str:  # Any: what main returned
    """JSON text of `value`, as `json.dumps(value, allow_nan=False)` writes it."""
    if depth > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels (or circular)")
    if value is None or value is True or value is False:
        return _KEYS[value]
    if isinstance(value, str):
        return str(_quote(value))
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
        return float.__repr__(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(item, depth + 1) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_quote(_key(k))}:{_encode(v, depth + 1)}"
                              for k, v in value.items()) + "}"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _key(key: "Any") -> str:  # Any: a dict key of the output
    if isinstance(key, str):
        return key
    if key is None or key is True or key is False:
        return _KEYS[key]
    if isinstance(key, int | float) and key == key and key not in (float("inf"), float("-inf")):
        return _encode(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _answer(result: "dict[str, Any]") -> bytes:
    try:
        return _encode(result).encode()
    except (TypeError, ValueError, RecursionError) as error:
        return _encode({"ok": False, "error": {
            "kind": "output", "type": type(error).__name__, "message": str(error),
            "traceback": ""}}).encode()


def main() -> None:
    result_fd = int(sys.argv[1])
    os.write(result_fd, READY)
    request = marshal.loads(sys.stdin.buffer.read())  # written by the worker: trusted
    sys.stdin.close()
    _confine(request)
    if request.get("proxy"):
        _relay(str(request["proxy"]))
    sys.stdout, sys.stderr = _Tagged(INFO), _Tagged(WARNING)
    try:
        answer = _answer(_run(request))
    except MemoryError:
        answer = b'{"ok": false, "error": {"kind": "memory", "type": "MemoryError", ' \
                 b'"message": "", "traceback": ""}}'
    sys.stdout.flush()
    sys.stderr.flush()
    with os.fdopen(result_fd, "wb") as out:
        out.write(answer)


if __name__ == "__main__":
    main()
