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
    """A resolver ran without a principal (the view or connection_init should have refused)."""


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    # None only on a websocket before `connection_init` (HTTP refuses anonymous requests).
    principal: Principal | None
    # The websocket `connection_init` payload (Strawberry sets it; see graphql_api.live).
    connection_params: dict[str, object] | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        # A websocket context serves every event of its subscriptions: no stale rows.
        self.loaders = Loaders(lambda: self.actor, fresh=isinstance(self.request, WebSocket))

    @property
    def caller(self) -> Principal:
        if self.principal is None:
            raise NotAuthenticated("not authenticated: send connection_init with a token first")
        return self.principal

    @property
    def actor(self) -> Actor:
        return self.caller.actor


Info = strawberry.Info[Context, None]
