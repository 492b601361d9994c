"""The Strawberry ASGI view: GraphQL over HTTP as the spec says it, and the typed context.

Over HTTP the caller is authenticated before anything of the request's document is read:
without valid credentials the answer is 401 with `WWW-Authenticate: Bearer` (403 when the
credentials are good but the organization is not theirs), so an anonymous document is never
parsed or validated. The response's media type and status code follow
`graphql_api.responses`; refusals are GraphQL-shaped JSON too. Subscriptions are served over
websockets only (graphql-transport-ws, `graphql_api.ws_protocol`); sent over HTTP they get a
400 that says so.
"""

from __future__ import annotations

import json

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from graphql_api.auth import Principal, Unauthenticated, principal_from_headers
from graphql_api.console import graphiql_page
from graphql_api.context import Context
from graphql_api.live import accept_connection
from graphql_api.public_operations import is_public_request
from graphql_api.responses import GRAPHQL_RESPONSE, is_request_error, negotiate, refusal
from graphql_api.ws_protocol import TransportWS

_PRINCIPAL = "flowplane.principal"
_CODES = {400: "BAD_REQUEST", 401: "UNAUTHENTICATED", 403: "FORBIDDEN",
          404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "REQUEST_TOO_LARGE"}
USE_WEBSOCKETS = ("subscriptions are served over websockets: open ws(s)://<host>/graphql with "
                  "the graphql-transport-ws protocol and send credentials in connection_init")


class Refused(HTTPException):
    """A request answered before execution, with a status, a code and extra headers."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, reason)
        self.headers = headers or {}


def _unauthenticated(error: Unauthenticated) -> Refused:
    if error.reason == "organization":
        return Refused(403, str(error))
    challenge = 'Bearer realm="flowplane"'
    if error.reason == "invalid_token":  # RFC 6750: the token was presented, and is no good
        challenge += ', error="invalid_token"'
    return Refused(401, str(error), {"WWW-Authenticate": challenge})


class FlowplaneGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = TransportWS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
            assert isinstance(response, Response)  # an HTTP request gets an HTTP response
        except HTTPException as exc:
            status = exc.status_code
            response = refusal(negotiate(request.headers.get("accept")), status, exc.reason,
                               _CODES.get(status, "BAD_REQUEST"),
                               exc.headers if isinstance(exc, Refused) else None)
        await response(scope, receive, send)

    async def run(  # type: ignore[override]  # Strawberry overloads it per request type
        self, request: Request | WebSocket, context: Context = UNSET, root_value: None = UNSET
    ) -> Response | WebSocket:
        if isinstance(request, Request) and not self.should_render_graphql_ide(
            self.request_adapter_class(request)
        ):
            try:
                request.scope[_PRINCIPAL] = await principal_from_headers(request.headers)
            except Unauthenticated as error:
                if not await is_public_request(request):  # redeeming a sign-in code
                    raise _unauthenticated(error) from None
        return await super().run(request, context, root_value)

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
        principal = request.scope.get(_PRINCIPAL)  # websockets: set by connection_init
        assert principal is None or isinstance(principal, Principal)
        return Context(request=request, response=response, principal=principal)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = negotiate(request.headers.get("accept"))
        return sub_response

    async def execute_single(  # Strawberry's signature
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        try:
            result = await self.schema.execute(
                request_data.query, root_value=root_value, variable_values=request_data.variables,
                context_value=context, operation_name=request_data.operation_name,
                allowed_operation_types=allowed, operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type == OperationType.SUBSCRIPTION:
                raise Refused(400, USE_WEBSOCKETS) from None
            raise Refused(405, error.as_http_error_reason(request_adapter.method),
                          {"Allow": "POST"}) from None
        except CannotGetOperationTypeError as error:
            raise Refused(400, error.as_http_error_reason()) from None
        except MissingQueryError:
            raise Refused(400, "no GraphQL query found in the request") from None
        if sub_response.media_type == GRAPHQL_RESPONSE and is_request_error(result):
            sub_response.status_code = 400
        return result

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        if negotiate(request.headers.get("accept")) == GRAPHQL_RESPONSE and is_request_error(
            result
        ):
            processed.pop("data", None)  # the spec: a request error has no `data` entry
        return processed

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = f"{sub_response.media_type}; charset=utf-8"
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the console's build (Strawberry's own page loads it from a CDN)."""
        return graphiql_page()

    async def on_ws_connect(self, context: Context) -> None:
        await accept_connection(context)  # authenticates connection_init, applies the caps
