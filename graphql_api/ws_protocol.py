"""Strawberry's graphql-transport-ws handler, adjusted where Flowplane's wire contract differs:

- a refused `connection_init` closes with the code of `graphql_api.close_codes` that names
  the reason (Strawberry closes every refusal with 4403 "Forbidden");
- every error before execution (syntax, validation, limits, an unknown operation) is an
  `error` message for that subscription id, never a closed socket;
- each operation's task knows its operation (`current_operation`), so access re-checks can
  end that one subscription with an `error` and leave the socket's others running.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Any

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from graphql_api.live import ConnectionRefused

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

    @staticmethod
    def _get_pre_execution_close_reason(error: GraphQLError) -> str | None:
        return None  # report it as an `error` message for the operation instead
