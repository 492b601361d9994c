"""Multiplexed subscription events: each event is executed once per group of subscribers that
would see the same result, and every subscriber of the group is sent the same bytes.

A group is (document, operation, variables, caller): the caller is the `Actor` the resolvers
read through the context (organization, user, role), which decides everything a subscriber
may see — readable workflows, `webhookUrl` only for those who may run the workflow. Each
subscription still follows its stream on its own (`graphql_api.follow`: its cursor, its
bounded buffer, its lag) and is re-authorised on its own (`graphql_api.reauth`); only the
execution of an item that stands for a logged event (`shared_key`) is shared: the first
subscriber of the group to reach the event executes it, in a task of its own so that its
cancellation cannot fail the others, and the rest await that result. Items built for one
subscriber (SNAPSHOT, READY, LAGGED, errors) carry no key and are executed per subscriber.

The result's `data` is a `SharedData`, whose JSON the transport (`graphql_api.ws_protocol`)
encodes once and wraps in each subscriber's `next` message; once a result is there (or being
made), the other subscribers' resolvers send it themselves (`ws_protocol.sent_shared`).
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from graphql import ExecutionResult, OperationDefinitionNode
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graphql_api.context import Context
from telemetry.metrics import SUBSCRIPTION_EVENTS

# Any: graphql-core's result of execute_operation (a value or an awaitable of one).
Run = Callable[[], Any]


class SharedData(dict[str, Any]):
    """The `data` of a result sent to several subscribers; its JSON is encoded once."""

    encoded: str | None = None

    def payload(self, encode: Callable[[object], str | bytes]) -> str:
        """`{"data": ...}` as JSON text, encoded with the transport's encoder on first use."""
        if self.encoded is None:
            raw = encode({"data": dict(self)})
            self.encoded = raw.decode() if isinstance(raw, bytes) else raw
        return self.encoded


class _Results:
    """The result of each (group, event), executed once; the latest `size` are kept."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.results: OrderedDict[Hashable, asyncio.Future[ExecutionResult]] = OrderedDict()

    def pending(self, key: Hashable) -> Awaitable[ExecutionResult] | None:
        """The result of a (group, event) another subscriber is executing or executed."""
        future = self.results.get(key)
        return None if future is None else asyncio.shield(future)

    def get(self, key: Hashable, run: Run) -> Awaitable[ExecutionResult]:
        future = self.results.get(key)
        if future is None:
            future = asyncio.ensure_future(_executed(run))
            self.results[key] = future
            while len(self.results) > self.size:
                self.results.popitem(last=False)
            SUBSCRIPTION_EVENTS.labels("executed").inc()
        else:
            SUBSCRIPTION_EVENTS.labels("shared").inc()
        return asyncio.shield(future)


async def _executed(run: Run) -> ExecutionResult:
    result = run()
    if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
        result = await result
    assert isinstance(result, ExecutionResult)  # a subscription event never streams
    data = None if result.data is None else SharedData(result.data)
    return ExecutionResult(data=data, errors=result.errors, extensions=result.extensions)


RESULTS = _Results()


class MultiplexedExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor; the per-event executions of shared items go through
    `RESULTS` (see module doc)."""

    def execute_operation(self, serially: bool | None = None) -> Any:  # Any: graphql-core's
        key = self._group_key()
        run = super().execute_operation
        if key is None:
            return run(serially)
        return RESULTS.get(key, lambda: run(serially))

    def _group_key(self) -> Hashable | None:
        return group_key(self.operation, self.variable_values.coerced, self.context_value,
                         getattr(self.root_value, "shared_key", None))


def group_key(operation: OperationDefinitionNode, variables: dict[str, Any], context: object,
              event: Hashable | None) -> Hashable | None:
    """The (group, event) of an item whose execution is shared (None: executed alone)."""
    if event is None or not isinstance(context, Context) or context.principal is None \
            or operation.loc is None:  # not parsed from a source: nothing to tell it by
        return None
    # The operation's name and the whole document (fragments included) as sent.
    document = f"{operation.name.value if operation.name else ''}\n{operation.loc.source.body}"
    return (document, json.dumps(variables, sort_keys=True, default=repr),
            context.principal.actor, event)
