"""The `Subscription` root type: live executions and workflows over graphql-transport-ws.

Each resolver checks access like the matching query (a thing the caller cannot read is
"not found", also across organizations), subscribes to the broker BEFORE reading state or log,
then follows the stream from the cursor: `after` resumes exactly after the last event the
client received; without it the current state comes first (`kind: snapshot`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any, cast

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON

from domain.errors import NotFound
from domain.event_log import LoggedEvent, execution_state, stream_cursor, workflow_state
from domain.events import execution_stream, workflow_executions_stream, workflow_stream
from domain.recording import TERMINAL
from domain.workflows import get_workflow
from graphql_api.broker import Broker
from graphql_api.follow import Lagged, follow
from graphql_api.live import live_connection, request_of
from graphql_api.live_types import (
    ExecutionEvent,
    LiveExecution,
    LiveWorkflow,
    WorkflowEvent,
    WorkflowExecutionEvent,
)
from graphql_api.reauth import guarded
from graphql_api.types.errors import ExecutionNotFound, WorkflowNotFound
from graphql_api.types.scalars import to_id

ExecutionUpdate = Annotated[
    ExecutionEvent | ExecutionNotFound, strawberry.union("ExecutionUpdate")
]
WorkflowExecutionsUpdate = Annotated[
    WorkflowExecutionEvent | WorkflowNotFound, strawberry.union("WorkflowExecutionsUpdate")
]
WorkflowUpdate = Annotated[WorkflowEvent | WorkflowNotFound, strawberry.union("WorkflowUpdate")]
# Any: the API's context type (Strawberry's dict or the API's context object).
Info = strawberry.Info[Any, None]


def _broker(info: Info) -> Broker:
    broker = request_of(info.context).app.state.broker
    assert isinstance(broker, Broker)
    return broker


def _id(value: strawberry.ID, what: str) -> int:
    parsed = to_id(value)
    if parsed is None:
        raise GraphQLError(f"{what} must be a numeric id, got {value!r}")
    return parsed


def _cursor(after: str | None) -> int | None:
    if after is None:
        return None
    if not (after.isascii() and after.isdigit()) or len(after) > 18:
        raise GraphQLError(f"after must be a cursor received from this subscription, got {after!r}")
    return int(after)


def _ends_execution(event: LoggedEvent) -> bool:
    return event.kind == "status" and event.payload.get("status") in TERMINAL


async def _readable_workflow(info: Info, workflow_id: int) -> bool:
    actor = live_connection(info.context).actor
    if actor is None:
        return False
    try:
        await get_workflow(actor, workflow_id)
    except NotFound:
        return False
    return True


async def _execution_snapshot(execution_id: int) -> tuple[ExecutionEvent, int, bool]:
    state = await execution_state(execution_id)
    if state is None:  # deleted since the access check: it has ended for good
        return ExecutionEvent(cursor="0", kind="snapshot"), 0, True
    row, cursor = state
    snapshot = ExecutionEvent(cursor=str(cursor), kind="snapshot",
                              execution=LiveExecution.from_row(row))
    return snapshot, cursor, row["status"] in TERMINAL


async def _execution_updated(
    info: Info, execution_id: strawberry.ID, after: str | None = None
) -> AsyncGenerator[ExecutionUpdate, None]:
    execution, cursor = _id(execution_id, "executionId"), _cursor(after)
    with live_connection(info.context).subscription_slot():
        state = await execution_state(execution)
        if state is None or not await _readable_workflow(info, state[0]["workflow"]):
            yield ExecutionNotFound(execution_id=execution_id,
                                        message=f"execution {execution} does not exist")
            return
        with _broker(info).subscribe(execution_stream(execution)) as subscriber:
            if cursor is None:
                snapshot, cursor, ended = await _execution_snapshot(execution)
                yield snapshot
                if ended:
                    return
            async for item in guarded(info.context, int(state[0]["workflow"]),
                                      follow(subscriber, cursor, until=_ends_execution)):
                if isinstance(item, Lagged):
                    yield ExecutionEvent(cursor=str(item.cursor), kind="lagged")
                else:
                    yield ExecutionEvent.from_event(item)


async def _workflow_executions(
    info: Info, workflow_id: strawberry.ID, after: str | None = None
) -> AsyncGenerator[WorkflowExecutionsUpdate, None]:
    workflow, cursor = _id(workflow_id, "workflowId"), _cursor(after)
    with live_connection(info.context).subscription_slot():
        if not await _readable_workflow(info, workflow):
            yield WorkflowNotFound(workflow_id=workflow_id,
                                       message=f"workflow {workflow} does not exist")
            return
        stream = workflow_executions_stream(workflow)
        with _broker(info).subscribe(stream) as subscriber:
            if cursor is None:
                cursor = await stream_cursor(stream)
            async for item in guarded(info.context, workflow, follow(subscriber, cursor),
                                      per_event=True):
                if isinstance(item, Lagged):
                    yield WorkflowExecutionEvent(cursor=str(item.cursor), kind="lagged")
                else:
                    yield WorkflowExecutionEvent(cursor=str(item.seq), kind=item.kind,
                                                 execution=LiveExecution.from_event(item))


async def _workflow_updated(
    info: Info, workflow_id: strawberry.ID, after: str | None = None
) -> AsyncGenerator[WorkflowUpdate, None]:
    workflow, cursor = _id(workflow_id, "workflowId"), _cursor(after)
    with live_connection(info.context).subscription_slot():
        if not await _readable_workflow(info, workflow):
            yield WorkflowNotFound(workflow_id=workflow_id,
                                       message=f"workflow {workflow} does not exist")
            return
        with _broker(info).subscribe(workflow_stream(workflow)) as subscriber:
            if cursor is None:
                state = await workflow_state(workflow)
                if state is None:
                    return
                cursor = state[1]
                yield WorkflowEvent(cursor=str(cursor), kind="snapshot",
                                    workflow=LiveWorkflow.from_row(state[0]))
            events = follow(subscriber, cursor, until=lambda e: bool(e.payload.get("deleted")))
            async for item in guarded(info.context, workflow, events, per_event=True):
                yield await _workflow_event(workflow, item)


async def _workflow_event(workflow_id: int, item: LoggedEvent | Lagged) -> WorkflowEvent:
    if isinstance(item, Lagged):
        return WorkflowEvent(cursor=str(item.cursor), kind="lagged")
    state = await workflow_state(workflow_id)
    return WorkflowEvent(cursor=str(item.seq), kind=item.kind, change=cast("JSON", item.payload),
                         workflow=None if state is None else LiveWorkflow.from_row(state[0]))


@strawberry.type
class Subscription:
    execution_updated = strawberry.subscription(
        resolver=_execution_updated,
        description="The execution's state, then each status change, span start/end and log "
        "line; ends after the terminal state. Resume with `after: <last cursor>`.",
    )
    workflow_executions = strawberry.subscription(
        resolver=_workflow_executions,
        description="New executions of the workflow and their status changes.",
    )
    workflow_updated = strawberry.subscription(
        resolver=_workflow_updated,
        description="The workflow's state, then its status, version, deployment and sync "
        "changes.",
    )
