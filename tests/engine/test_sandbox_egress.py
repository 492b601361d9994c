"""FLOWPLANE_SANDBOX_NETWORK=egress: a python node reaches out only through the worker's
egress proxy, which holds it to the egress guard. A local HTTP server on 127.0.0.1 stands for
a public address once the test allows it explicitly; without that, it is refused like every
loopback, private and metadata address; a connection that ignores the proxy reaches nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from domain.settings import get_settings
from tests.engine.test_python_node import _run, needs_bwrap, py
from tests.factory import Factory

pytestmark = needs_bwrap

CALLS = """
import json, socket, urllib.error, urllib.request

def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as answer:
            return {"status": answer.status, "body": answer.read().decode()}
    except urllib.error.HTTPError as error:
        return {"status": error.code, "body": error.read().decode()}

def direct(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return "connected"
    except OSError as error:
        return type(error).__name__

def main(inputs):
    port = inputs["input"]["port"]
    return {"server": fetch(f"http://127.0.0.1:{port}/hello?x=1"),
            "metadata": fetch("http://169.254.169.254/latest/meta-data/"),
            "direct": direct(port)}
"""


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # http.server's name
        body = f"hello from the host: {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:  # Any: http.server's signature
        pass


@pytest.fixture
def server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield int(httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def egress(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("FLOWPLANE_SANDBOX_NETWORK", "egress")
    monkeypatch.setenv("FLOWPLANE_EGRESS_ALLOW", "")  # the engine tests' loopback allowance off
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def loopback(egress: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Egress mode, with the test's server on 127.0.0.1 allowed as a public address would be."""
    egress.setenv("FLOWPLANE_EGRESS_ALLOW", "127.0.0.1/32")
    get_settings.cache_clear()
    return egress


async def _output(factory: Factory, redis_url: str, code: str, port: int) -> Any:
    """What a python node running `code` returned (Any: its JSON output)."""
    done = await _run(factory, redis_url, [py("call", code)], input={"port": port})
    assert done.status == "completed", done.error
    return done.outputs["call"]["output"]


@pytest.mark.usefixtures("loopback")
async def test_an_allowed_address_is_reached_through_the_proxy_and_nothing_else(
    factory: Factory, redis_url: str, server: int
) -> None:
    output = await _output(factory, redis_url, CALLS, server)
    assert output["server"] == {"status": 200, "body": "hello from the host: /hello?x=1"}
    assert output["metadata"]["status"] == 403
    assert "egress to 169.254.169.254 is refused" in output["metadata"]["body"]
    assert output["direct"] == "ConnectionRefusedError"  # the sandbox's own loopback only


TUNNEL = """
import os, socket
from urllib.parse import urlsplit

def connect(target, request):
    proxy = urlsplit(os.environ["HTTPS_PROXY"])
    with socket.create_connection((proxy.hostname, proxy.port), timeout=20) as conn:
        conn.sendall(f"CONNECT {target} HTTP/1.1\\r\\nHost: {target}\\r\\n\\r\\n".encode())
        answer = b""
        while b"\\r\\n\\r\\n" not in answer:
            answer += conn.recv(4096)
        head, _, rest = answer.partition(b"\\r\\n\\r\\n")
        status = int(head.split()[1])
        if status != 200:
            return {"status": status}
        conn.sendall(request)
        while chunk := conn.recv(4096):
            rest += chunk
        return {"status": status, "tunnelled": rest.decode()}

def main(inputs):
    port = inputs["input"]["port"]
    get = b"GET /through HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n"
    return {"allowed": connect(f"127.0.0.1:{port}", get),
            "metadata": connect("169.254.169.254:443", get)}
"""


@pytest.mark.usefixtures("loopback")
async def test_connect_tunnels_to_allowed_addresses_only(
    factory: Factory, redis_url: str, server: int
) -> None:
    output = await _output(factory, redis_url, TUNNEL, server)
    assert output["allowed"]["status"] == 200
    assert output["allowed"]["tunnelled"].endswith("hello from the host: /through")
    assert output["metadata"] == {"status": 403}


MANY = """
import os, socket
from urllib.parse import urlsplit

def main(inputs):
    port, proxy = inputs["input"]["port"], urlsplit(os.environ["HTTPS_PROXY"])
    conns = [socket.create_connection((proxy.hostname, proxy.port), timeout=20)
             for _ in range(40)]  # all open at once, before any is answered
    for conn in conns:
        conn.sendall(f"GET http://127.0.0.1:{port}/many HTTP/1.0\\r\\n\\r\\n".encode())
    answers = []
    for conn in conns:
        answer = b""
        while chunk := conn.recv(4096):
            answer += chunk
        conn.close()
        answers.append(answer.decode().rpartition("\\r\\n\\r\\n")[2])
    return answers
"""


@pytest.mark.usefixtures("loopback")
async def test_many_connections_at_once_go_through_the_relay(
    factory: Factory, redis_url: str, server: int
) -> None:
    # The relay once took two threads per connection: under the memory limit (an address
    # space) it could not start them all, stopped accepting, and later requests hung.
    assert await _output(factory, redis_url, MANY, server) == ["hello from the host: /many"] * 40


@pytest.mark.usefixtures("egress")
async def test_an_internal_address_is_refused_unless_the_operator_allows_it(
    factory: Factory, redis_url: str, server: int
) -> None:
    output = await _output(factory, redis_url, CALLS, server)
    assert output["server"]["status"] == 403
    assert "egress to 127.0.0.1 is refused" in output["server"]["body"]
    assert "FLOWPLANE_EGRESS_ALLOW" in output["server"]["body"]


async def test_without_egress_mode_there_is_no_proxy(
    factory: Factory, redis_url: str, server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWPLANE_EGRESS_ALLOW", "127.0.0.1/32")
    get_settings.cache_clear()
    code = ("import os, urllib.request\ndef main(inputs):\n"
            "    try:\n        urllib.request.urlopen(inputs['input']['url'], timeout=5)\n"
            "    except OSError as error:\n"
            "        return {'proxy': os.environ.get('HTTP_PROXY'), 'error': str(error)}\n")
    done = await _run(factory, redis_url, [py("call", code)],
                      input={"url": f"http://127.0.0.1:{server}/"})
    get_settings.cache_clear()
    output = done.outputs["call"]["output"]
    assert output["proxy"] is None and "Connection refused" in output["error"]


@pytest.mark.usefixtures("loopback")
async def test_a_warm_guest_reaches_out_through_the_proxy_of_its_own_run(
    factory: Factory, redis_url: str, server: int
) -> None:
    from prometheus_client import REGISTRY

    from domain.executions import load_execution, start_execution
    from engine.sandbox.warm import GUESTS, Owner
    from tests.engine.conftest import drain

    org = await factory.org()
    wf = await factory.workflow(org, await factory.user(org=org), nodes=[py("call", CALLS)],
                                settings={"maxAttempts": 1})
    for run in range(2):  # the second in the guest started after the first: its proxy is new
        if run:
            await GUESTS.started_for(Owner(int(org["id"]), int(wf["id"]), ""))
        warm = REGISTRY.get_sample_value("flowplane_python_guests_total", {"start": "warm"})
        row = await start_execution(wf["id"], trigger_type="manual", triggered_by=None,
                                    input={"port": server})
        await drain(redis_url)
        done = await load_execution(row.id)
        assert done.status == "completed", done.error
        output = done.outputs["call"]["output"]
        assert output["server"] == {"status": 200, "body": "hello from the host: /hello?x=1"}
        assert output["metadata"]["status"] == 403
        after = REGISTRY.get_sample_value("flowplane_python_guests_total", {"start": "warm"})
        assert (after or 0) - (warm or 0) == run
