"""The sandbox's only way out (`FLOWPLANE_SANDBOX_NETWORK=egress`): a forward proxy on a Unix
socket in the child's working directory, run by the worker for the length of one run.

The child keeps its network namespace of its own (a loopback and nothing else: no route to
the host or anywhere). The guest relays a TCP port on that loopback to this socket and sets
HTTP(S)_PROXY to it, so ordinary clients (urllib, httpx, requests) go through here, and
anything else has nowhere to go. Each request is judged like an `http.request` node's
connection (`engine.nodes._egress`): the host is resolved here, every address it resolves to
must pass the organization's egress policy, and the proxy connects to exactly the address it
judged (DNS rebinding gets nowhere). `CONNECT host:port` (HTTPS, any TLS: the proxy never sees
inside) and absolute-form plain HTTP requests are served; anything else gets a 400.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

from domain.egress import EgressPolicy
from engine.errors import NodeError
from engine.nodes._egress import EgressRefused, allowed_addresses

log = logging.getLogger(__name__)
SOCKET = "egress.sock"
MAX_HEAD = 64 * 1024
_CONNECT_SECONDS = 30.0
_CHUNK = 64 * 1024


class _BadRequest(Exception):
    pass


@contextlib.asynccontextmanager
async def egress_proxy(policy: EgressPolicy, workdir: Path) -> AsyncIterator[Path]:
    """Serve the proxy at `workdir`/SOCKET while the block runs."""
    path = workdir / SOCKET
    tasks: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await _serve(policy, reader, writer)
        finally:
            tasks.discard(task)
            writer.close()

    server = await asyncio.start_unix_server(handle, path, limit=MAX_HEAD)
    os.chmod(path, 0o666)  # the guest may run as a uid of its own
    try:
        yield path
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _serve(policy: EgressPolicy, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        method, host, port, forward = _target(head)
        upstream = await _connect(policy, host, port)
    except EgressRefused as error:
        log.info("sandbox egress refused: %s", error)
        await _answer(writer, 403, str(error))
        return
    except (_BadRequest, NodeError, OSError, asyncio.IncompleteReadError,
            asyncio.LimitOverrunError) as error:
        await _answer(writer, 400 if isinstance(error, _BadRequest) else 502, str(error))
        return
    up_reader, up_writer = upstream
    try:
        if method == "CONNECT":
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            up_writer.write(forward)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
    finally:
        up_writer.close()


def _target(head: bytes) -> tuple[str, str, int, bytes]:
    """(method, host, port, the head to send on) of a request head."""
    line, _, rest = head.partition(b"\r\n")
    parts = line.decode("latin-1").split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise _BadRequest("not an HTTP request")
    method, target, version = parts
    if method == "CONNECT":
        host, _, port = target.rpartition(":")
        if not host or not port.isdigit():
            raise _BadRequest(f"CONNECT wants host:port, not {target!r}")
        return method, host.strip("[]"), int(port), b""
    url = urlsplit(target)
    if url.scheme != "http" or not url.hostname:
        raise _BadRequest("only CONNECT and absolute http:// requests go through this proxy")
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    forward = f"{method} {path} {version}\r\n".encode("latin-1") + rest
    return method, url.hostname, url.port or 80, forward


async def _connect(policy: EgressPolicy, host: str, port: int
                   ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    last: OSError | None = None
    for address in await allowed_addresses(policy, host, port, _CONNECT_SECONDS):
        try:
            async with asyncio.timeout(_CONNECT_SECONDS):
                return await asyncio.open_connection(address, port, limit=_CHUNK)
        except (OSError, TimeoutError) as error:
            last = error if isinstance(error, OSError) else OSError(f"{address}: timed out")
    raise last or OSError(f"{host} resolved to no address")


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while chunk := await source.read(_CHUNK):
            sink.write(chunk)
            await sink.drain()
        if sink.can_write_eof():
            sink.write_eof()


async def _answer(writer: asyncio.StreamWriter, status: int, message: str) -> None:
    reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}[status]
    body = (message + "\n").encode()
    writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    with contextlib.suppress(OSError):
        await writer.drain()
