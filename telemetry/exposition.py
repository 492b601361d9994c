"""Serving the metrics in the Prometheus text format: the API answers `GET /metrics` on its own
port (graphql_api.metrics_route); the other processes open a small HTTP server of their own
(`serve_metrics`) on FLOWPLANE_METRICS_PORT.

Both ask for `Authorization: Bearer <FLOWPLANE_METRICS_TOKEN>` when that token is set, and
for nothing otherwise. A process that forks workers sharing one port (PROMETHEUS_MULTIPROC_DIR
set, prometheus_client's multiprocess mode) exports the sum over its processes.
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import REGISTRY, CollectorRegistry, make_wsgi_app, multiprocess
from prometheus_client.exposition import choose_encoder

log = logging.getLogger(__name__)
# Any: the WSGI environ and start_response of the standard library's server.
StartResponse = Callable[..., Any]


def registry() -> CollectorRegistry:
    """What this process exports: its own registry, or, in multiprocess mode, the sum over
    the files every process of the group writes."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    collected = CollectorRegistry()
    multiprocess.MultiProcessCollector(collected)  # type: ignore[no-untyped-call]
    return collected


def authorized(header: str | None, token: str) -> bool:
    """Whether an Authorization header carries the metrics token (any header when unset)."""
    if not token:
        return True
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode())


def render(accept: str | None) -> tuple[bytes, str]:
    """The metrics of this process in the format the `Accept` header asks for (Prometheus
    text by default, OpenMetrics on request), with its content type."""
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry()), content_type


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes are not news
        return


def metrics_app(token: str) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The WSGI app of a metrics port: GET /metrics (any path), token checked."""
    app = make_wsgi_app(registry())

    def guarded(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not authorized(environ.get("HTTP_AUTHORIZATION"), token):
            start_response("401 Unauthorized", [("Content-Type", "text/plain"),
                                                ("WWW-Authenticate", 'Bearer realm="metrics"')])
            return [b"metrics need Authorization: Bearer <FLOWPLANE_METRICS_TOKEN>\n"]
        return app(environ, start_response)  # type: ignore[no-any-return]

    return guarded


def serve_metrics(host: str, port: int, token: str = "") -> WSGIServer | None:
    """Serve this process's metrics on `host:port` from a daemon thread (None when port is
    0: off). Raises OSError when the port is taken."""
    if port == 0:
        return None
    server = make_server(host, port, metrics_app(token), server_class=_Server,
                         handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("metrics on http://%s:%d/metrics", host, server.server_port)
    return server
