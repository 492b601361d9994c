"""The Strawberry ASGI view: builds the typed context (caller and dataloaders) per request."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from graphql_api.auth import Unauthenticated, principal_from_headers
from graphql_api.context import Context
from graphql_api.live import accept_connection


class FlowplaneGraphQL(GraphQL[Context, None]):
    def decode_json(self, data: str | bytes) -> object:
        """JSON nested deeper than the decoder recurses is malformed input (400 over HTTP,
        close 4400 over websockets), not a server error."""
        try:
            return super().decode_json(data)
        except RecursionError:
            raise json.JSONDecodeError("JSON nested too deeply", "", 0) from None

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        try:
            principal = await principal_from_headers(request.headers)
        except Unauthenticated as exc:
            return Context(request=request, response=response, principal=None,
                           auth_error=str(exc))
        return Context(request=request, response=response, principal=principal)

    async def on_ws_connect(self, context: Context) -> None:
        await accept_connection(context)  # authenticates connection_init, applies the caps
