"""Strawberry's graphql-transport-ws handler, adjusted where Flowplane's wire contract differs:

- a refused `connection_init` closes with the code of `graphql_api.close_codes` that names
  the reason (Strawberry closes every refusal with 4403 "Forbidden");
- every error before execution (syntax, validation, limits, an unknown operation) is an
  `error` message for that subscription id, never a closed socket;
- a `next` whose data is shared by several subscribers (`graphql_api.multiplex`) is sent as
  the same encoded payload in each subscriber's message; the group executed the event once,
  and each member's resolver sends that payload itself (`send_shared`), without a GraphQL
  execution or Strawberry's per-result work of its own;
- each operation's task knows its operation (`current_operation`), so access re-checks can
  end that one subscription with an `error` and leave the socket's others running.
"""

from __future__ import annotations

import asyncio
import json
from contextvars import ContextVar
from typing import Any

from graphql import GraphQLError
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
)

from graphql_api.live import ConnectionRefused
from graphql_api.multiplex import SharedData

# Any: the handler is generic in the context type; this module serves the API's only.
_OPERATION: ContextVar[Operation[Any, Any] | None] = ContextVar("flowplane_operation",
                                                               default=None)


def current_operation() -> Operation[Any, Any] | None:
    """The graphql-transport-ws operation whose task is running (None outside one)."""
    return _OPERATION.get()


async def end_with_error(operation: Operation[Any, Any], error: GraphQLError) -> None:
    """End one operation with an `error` message (which completes it for the client) and stop
    its task; the socket and its other operations go on."""
    handler = operation.handler
    if operation.completed or handler.operations.get(operation.id) is not operation:
        return  # already ended, or the client completed it
    await operation.send_initial_errors([error])
    if operation.task is not None and operation.task is not asyncio.current_task():
        operation.task.cancel()


async def send_shared(data: SharedData | None) -> bool:
    """Send the result a subscriber's group made (`graphql_api.multiplex`) as this
    operation's `next`; False when it must go through Strawberry instead (no shared result,
    or not served by this transport). The resolver is resumed only once it was sent, so
    items keep their order."""
    operation = current_operation()
    handler = None if operation is None else operation.handler
    websocket = getattr(getattr(handler, "websocket", None), "ws", None)
    if data is None or operation is None or not isinstance(handler, TransportWS) \
            or not isinstance(websocket, WebSocket):
        return False
    if not operation.completed and handler.operations.get(operation.id) is operation:
        await handler._send_shared(websocket, operation.id, data)
    return True


class TransportWS(BaseGraphQLTransportWSHandler[Any, Any]):
    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except ConnectionRefused as refusal:
            # The detail says what to fix; a close reason holds at most 123 bytes.
            detail = str(refusal).encode()[:123].decode(errors="ignore")
            await self.websocket.close(code=refusal.code, reason=detail)

    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        _OPERATION.set(operation)  # this task's own context: seen by the operation's resolvers
        await super().run_operation(operation)

    async def send_message(self, message: Message) -> None:
        if message["type"] == "next":
            payload = message["payload"]
            data = payload.get("data") if len(payload) == 1 else None
            websocket = getattr(self.websocket, "ws", None)  # Strawberry's ASGI adapter's
            if isinstance(data, SharedData) and isinstance(websocket, WebSocket):
                await self._send_shared(websocket, message["id"], data)
                return
        await super().send_message(message)

    async def _send_shared(self, websocket: WebSocket, op_id: str, data: SharedData) -> None:
        shared = data.payload(self.view.encode_json)
        text = f'{{"id":{json.dumps(op_id)},"type":"next","payload":{shared}}}'
        try:
            await websocket.send_text(text)
        except WebSocketDisconnect as exc:  # as Strawberry's adapter says it
            raise WebSocketDisconnected from exc

    @staticmethod
    def _get_pre_execution_close_reason(error: GraphQLError) -> str | None:
        return None  # report it as an `error` message for the operation instead
