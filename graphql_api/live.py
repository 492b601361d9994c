"""Websocket connections of subscriptions: who is connected (from the `connection_init` payload),
the caps (connections per user, subscriptions per connection; both per organization; message
size, as for HTTP bodies) and how a connection ends when its identity goes.

`LiveConnections` wraps the GraphQL ASGI app: it gives each websocket a `LiveConnection` in its
scope and frees the user's slot and the connection's watch when the socket closes. (Messages
over FLOWPLANE_MAX_REQUEST_BYTES are refused by the server before they are even assembled:
`flowplane serve` gives uvicorn that limit, which closes with 1009.) `accept_connection` is
the body of the GraphQL view's `on_ws_connect`: it authenticates the payload
`{"Authorization": "Bearer <token>", "X-Organization-ID": "<id or slug>"}`, takes a slot and
arms the token's expiry timer, or refuses with a close code of `graphql_api.close_codes`.
The connection count is per API process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from graphql import GraphQLError
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketState

from domain.access import Actor
from graphql_api.auth import Principal, Unauthenticated, principal_from_headers
from graphql_api.close_codes import REASONS, CloseCode
from telemetry.metrics import SUBSCRIPTIONS, WEBSOCKETS

SCOPE_KEY = "flowplane.live"


class SubscriptionLimitReached(GraphQLError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"Subscription limit reached: at most {limit} per connection")


class ConnectionRefused(Exception):
    """Raised by `on_ws_connect`: close the socket with `code` instead of acknowledging."""

    def __init__(self, code: CloseCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code


class Watch(Protocol):
    """What a connection needs of `graphql_api.reauth.AccessWatch` (which imports this)."""

    async def admit(self, connection: LiveConnection) -> CloseCode | None: ...

    def forget(self, connection: LiveConnection) -> None: ...


@dataclass
class ConnectionLimits:
    """Open websocket connections per user in this process."""

    open: dict[int, int] = field(default_factory=dict)

    def acquire(self, user_id: int, limit: int) -> bool:
        if self.open.get(user_id, 0) >= limit:
            return False
        self.open[user_id] = self.open.get(user_id, 0) + 1
        return True

    def release(self, user_id: int) -> None:
        left = self.open.get(user_id, 0) - 1
        if left > 0:
            self.open[user_id] = left
        else:
            self.open.pop(user_id, None)


@dataclass(eq=False)  # identity: connections are kept in sets
class LiveConnection:
    limits: ConnectionLimits
    principal: Principal | None = None
    actor: Actor | None = None  # the principal's actor, refreshed when the role changes
    websocket: WebSocket | None = None
    max_subscriptions: int = 0
    active: int = 0
    closing: bool = False
    watch: Watch | None = None  # the process's access watch, once the connection is accepted
    _expiry: asyncio.TimerHandle | None = None
    _closer: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def subscription_slot(self) -> Iterator[Actor]:
        """Hold one of the connection's subscription slots (GraphQL error when none is left)."""
        if self.actor is None:
            raise GraphQLError("Unauthorized: send connection_init with a token first")
        if self.active >= self.max_subscriptions:
            raise SubscriptionLimitReached(self.max_subscriptions)
        self.active += 1
        SUBSCRIPTIONS.inc()
        try:
            yield self.actor
        finally:
            self.active -= 1
            SUBSCRIPTIONS.dec()

    def end(self, code: CloseCode) -> None:
        """Close the socket with `code` (the identity it was opened with is gone); from here
        on, none of its subscriptions delivers anything more."""
        if self.closing:
            return
        self.closing = True
        self._closer = asyncio.get_running_loop().create_task(self._close(code))

    async def _close(self, code: CloseCode) -> None:
        websocket = self.websocket
        if websocket is not None and websocket.application_state == WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError, OSError):  # the peer went away meanwhile
                await websocket.close(code=code, reason=REASONS[code])

    def expire_at(self, when: datetime | None) -> None:
        """Arm a timer that closes the connection when its token expires."""
        if when is None:
            return
        delay = max(0.0, (when - datetime.now(UTC)).total_seconds())
        loop = asyncio.get_running_loop()
        self._expiry = loop.call_later(delay, self.end, CloseCode.INVALID_TOKEN)

    def disarm(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()


class LiveConnections:
    """ASGI wrapper of the GraphQL app that tracks websocket connections (see module doc)."""

    def __init__(self, app: ASGIApp, limits: ConnectionLimits | None = None) -> None:
        self.app = app
        self.limits = limits or ConnectionLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        connection = LiveConnection(self.limits)
        scope[SCOPE_KEY] = connection
        WEBSOCKETS.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            WEBSOCKETS.dec()
            connection.disarm()
            if connection.watch is not None:
                connection.watch.forget(connection)
            if connection.actor is not None:
                self.limits.release(connection.actor.user_id)


def request_of(context: Any) -> Any:
    """The request (a WebSocket for subscriptions) of a GraphQL context: Strawberry's default
    dict context or a context object with a `request` attribute (Any: either shape)."""
    return context["request"] if isinstance(context, dict) else context.request


def live_connection(context: Any) -> LiveConnection:
    """The connection state of a websocket context (Any: see `request_of`)."""
    websocket = request_of(context)
    connection = websocket.scope.get(SCOPE_KEY) if isinstance(websocket, WebSocket) else None
    if connection is None:
        raise GraphQLError("Subscriptions are served over websockets (graphql-transport-ws)")
    assert isinstance(connection, LiveConnection)
    return connection


def _headers(params: object) -> dict[str, str]:
    """The connection_init payload as the lower-cased headers the HTTP door reads."""
    if not isinstance(params, Mapping):
        return {}
    return {str(key).lower(): str(value) for key, value in params.items() if value is not None}


async def _principal(params: object) -> Principal:
    try:
        return await principal_from_headers(_headers(params))
    except Unauthenticated as error:
        code = (CloseCode.UNKNOWN_ORGANIZATION if error.reason == "organization"
                else CloseCode.INVALID_TOKEN)
        raise ConnectionRefused(code, str(error)) from None


async def accept_connection(context: Any) -> None:
    """Authenticate `connection_init`, take a connection slot of the user and start watching
    the identity, or refuse (Any: the GraphQL context, see `request_of`)."""
    connection = live_connection(context)
    params = context.get("connection_params") if isinstance(context, dict) else getattr(
        context, "connection_params", None
    )
    principal = await _principal(params)
    org = principal.organization
    if not connection.limits.acquire(principal.actor.user_id,
                                     org.max_connections_per_user):
        raise ConnectionRefused(CloseCode.TOO_MANY_CONNECTIONS,
                                "too many connections for this user")
    websocket = request_of(context)
    connection.principal, connection.actor, connection.websocket = (
        principal, principal.actor, websocket)
    connection.max_subscriptions = org.max_subscriptions_per_connection
    connection.expire_at(principal.expires_at)
    connection.watch = getattr(websocket.app.state, "access_watch", None)
    if connection.watch is not None:
        refused = await connection.watch.admit(connection)
        if refused is not None:
            raise ConnectionRefused(refused, REASONS[refused])
    if hasattr(context, "principal"):  # the API's context: resolvers see the caller too
        context.principal = principal
