"""What every request carries for observability: a request id (the caller's `X-Request-ID`
when it is a plain token, else a new one), put in the log context and echoed in the response;
and, when traces are exported, a server span of OpenTelemetry's ASGI middleware (HTTP only:
a websocket would be one span per message), which joins a caller's `traceparent`."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telemetry.logs import log_context
from telemetry.tracing import tracing_enabled

_GIVEN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
HEADER = "x-request-id"


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers") or ():
        if name == HEADER.encode():
            given = str(value.decode("latin-1"))
            if _GIVEN.match(given):
                return given
    return uuid.uuid4().hex


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.traced: ASGIApp | None = None
        if tracing_enabled():
            from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

            self.traced = OpenTelemetryMiddleware(app, excluded_urls="healthz,readyz,metrics")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        app = self.traced if self.traced is not None and scope["type"] == "http" else self.app
        with log_context(request_id=request_id):
            await app(scope, receive, send_with_id)
