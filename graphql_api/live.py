"""Websocket connections of subscriptions: who is connected (from the `connection_init` payload)
and the caps (connections per user, subscriptions per connection; both per organization).

`LiveConnections` wraps the GraphQL ASGI app: it gives each websocket a `LiveConnection` in its
scope and frees the user's connection slot when the socket closes. `accept_connection` is the
body of the GraphQL view's `on_ws_connect`: it authenticates the payload
`{"Authorization": "Bearer <token>", "X-Organization-ID": "<id or slug>"}` and takes a slot,
or rejects the connection (close code 4403). The connection count is per API process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError

from domain.access import Actor
from graphql_api.auth import Unauthenticated, principal_from_headers

SCOPE_KEY = "flowplane.live"


class SubscriptionLimitReached(GraphQLError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"Subscription limit reached: at most {limit} per connection")


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


@dataclass
class LiveConnection:
    limits: ConnectionLimits
    actor: Actor | None = None
    max_subscriptions: int = 0
    active: int = 0

    @contextlib.contextmanager
    def subscription_slot(self) -> Iterator[Actor]:
        """Hold one of the connection's subscription slots (GraphQL error when none is left)."""
        if self.actor is None:
            raise GraphQLError("Unauthorized: send connection_init with a token first")
        if self.active >= self.max_subscriptions:
            raise SubscriptionLimitReached(self.max_subscriptions)
        self.active += 1
        try:
            yield self.actor
        finally:
            self.active -= 1


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
        try:
            await self.app(scope, receive, send)
        finally:
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


async def accept_connection(context: Any) -> None:
    """Authenticate `connection_init` and take a connection slot of the user, or reject
    (Any: the GraphQL context, see `request_of`)."""
    connection = live_connection(context)
    params = context.get("connection_params") if isinstance(context, dict) else getattr(
        context, "connection_params", None
    )
    try:
        principal = await principal_from_headers(_headers(params))
    except Unauthenticated as error:
        raise ConnectionRejectionError({"message": str(error)}) from None
    org = principal.organization
    if not connection.limits.acquire(principal.actor.user_id,
                                     int(org["max_connections_per_user"])):
        raise ConnectionRejectionError({"message": "too many connections for this user"})
    connection.actor = principal.actor
    connection.max_subscriptions = int(org["max_subscriptions_per_connection"])
    if hasattr(context, "principal"):  # the API's context: resolvers see the caller too
        context.principal = principal
