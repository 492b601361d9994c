"""The typed GraphQL context of one request (or websocket connection) and the `Info` alias
every resolver takes."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from domain.access import Actor
from graphql_api.auth import Principal
from graphql_api.loaders import Loaders


class NotAuthenticated(Exception):
    """A resolver ran without a principal (the auth extension should have stopped it)."""


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    principal: Principal | None
    # Why `principal` is None: shown to the client as an UNAUTHENTICATED error.
    auth_error: str | None = None
    loaders: Loaders = field(default_factory=Loaders)
    # The websocket `connection_init` payload (Strawberry sets it; see graphql_api.live).
    connection_params: dict[str, object] | None = None

    @property
    def caller(self) -> Principal:
        if self.principal is None:
            raise NotAuthenticated(self.auth_error or "not authenticated")
        return self.principal

    @property
    def actor(self) -> Actor:
        return self.caller.actor


Info = strawberry.Info[Context, None]
