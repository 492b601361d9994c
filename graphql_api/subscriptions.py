"""The `Subscription` root type: live executions and workflows over graphql-transport-ws.

Each resolver checks access like the matching query (a thing the caller cannot read is
"not found", also across organizations), subscribes to the broker BEFORE reading state or log,
then follows the stream from the cursor: `after` resumes exactly after the last event the
client received; without it the current state comes first (`SNAPSHOT`), or for the
organization-wide feed the position it starts from (`READY`). Bad arguments are an
`InvalidInput` item, then the subscription completes.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import strawberry

from domain import reads
from domain.access import Actor
from domain.errors import CursorExpired as DomainCursorExpired
from domain.errors import InvalidInput as DomainInvalidInput
from domain.errors import NotFound
from domain.event_log import (
    LoggedEvent,
    Position,
    execution_state,
    expired,
    watermark,
    workflow_state,
)
from domain.events import (
    execution_stream,
    organization_executions_stream,
    workflow_executions_stream,
    workflow_stream,
)
from domain.recording import TERMINAL
from domain.rows import ExecutionRow
from domain.workflows import get_workflow
from graphql_api.broker import Broker
from graphql_api.executions.queries import execution_not_found
from graphql_api.follow import Lagged
from graphql_api.live import live_connection, request_of
from graphql_api.live_feed import Feed
from graphql_api.live_types import (
    ExecutionEvent,
    ExecutionEventKind,
    WorkflowEvent,
    WorkflowEventKind,
    cursor_position,
    event_cursor,
)
from graphql_api.multiplex import Frame, shared_frames
from graphql_api.reauth import guarded
from graphql_api.resources.live import environment_updated
from graphql_api.types.enums import ExecutionStatus, enum_or
from graphql_api.types.errors import (
    CursorExpired,
    ExecutionNotFound,
    InvalidInput,
    WorkflowNotFound,
    from_domain_error,
)
from graphql_api.types.filters import ExecutionFilter
from graphql_api.types.ids import decode_id
from graphql_api.types.scalars import Cursor
from graphql_api.workflows.queries import workflow_not_found
from graphql_api.ws_protocol import send_shared

ExecutionUpdate = Annotated[
    ExecutionEvent | ExecutionNotFound | InvalidInput | CursorExpired,
    strawberry.union("ExecutionUpdate")]
ExecutionsUpdate = Annotated[
    ExecutionEvent | WorkflowNotFound | InvalidInput | CursorExpired,
    strawberry.union("ExecutionsUpdate")]
WorkflowUpdate = Annotated[
    WorkflowEvent | WorkflowNotFound | InvalidInput | CursorExpired,
    strawberry.union("WorkflowUpdate")]
# Any: the API's context type (Strawberry's dict or the API's context object).
Info = strawberry.Info[Any, None]


def _broker(info: Info) -> Broker:
    broker = request_of(info.context).app.state.broker
    assert isinstance(broker, Broker)
    return broker


def _invalid(exc: DomainInvalidInput) -> InvalidInput:
    error = from_domain_error(exc, not_found=None)
    assert isinstance(error, InvalidInput)
    return error


def _expired(exc: DomainCursorExpired) -> CursorExpired:
    return CursorExpired(message=str(exc))


async def _gone(stream: str, cursor: Position | None) -> CursorExpired | None:
    """CursorExpired when retention deleted events after the client's cursor."""
    if cursor is not None and await expired(stream, cursor):
        return _expired(DomainCursorExpired(stream))
    return None


@dataclass(frozen=True)
class _Followed:
    """What a subscription follows: the object's key, its stream, where to resume."""

    key: int
    stream: str
    cursor: Position | None


def _followed(id: strawberry.ID, type_name: str, field: str, stream_of: Callable[[int], str],
              after: Cursor | None) -> _Followed | InvalidInput | CursorExpired:
    try:
        key = decode_id(id, type_name, field)
        stream = stream_of(key)
        return _Followed(key, stream, cursor_position(after, stream))
    except DomainInvalidInput as exc:
        return _invalid(exc)
    except DomainCursorExpired as exc:
        return _expired(exc)


def _ends_execution(event: LoggedEvent) -> bool:
    return event.kind == "status" and event.payload.get("status") in TERMINAL


async def _readable_workflow(actor: Actor | None, workflow_id: int) -> bool:
    if actor is None:
        return False
    try:
        await get_workflow(actor, workflow_id)
    except NotFound:
        return False
    return True


def _execution_item(stream: str) -> Callable[[LoggedEvent], Awaitable[ExecutionEvent | None]]:
    async def item(event: LoggedEvent) -> ExecutionEvent | None:
        return ExecutionEvent.from_event(stream, event)

    return item


def _snapshot(stream: str, row: ExecutionRow, cursor: Position) -> ExecutionEvent:
    return ExecutionEvent(
        cursor=event_cursor(stream, cursor), kind=ExecutionEventKind.SNAPSHOT,
        status=enum_or(ExecutionStatus, row.status, ExecutionStatus.PENDING),
        execution_pk=row.id, row=row)


async def _execution_updated(
    info: Info, execution_id: strawberry.ID, after: Cursor | None = None
) -> AsyncGenerator[ExecutionUpdate, None]:
    connection = live_connection(info.context)
    with connection.subscription_slot():
        target = _followed(execution_id, "Execution", "executionId", execution_stream, after)
        if isinstance(target, InvalidInput | CursorExpired):
            yield target
            return
        execution, stream, cursor = target.key, target.stream, target.cursor
        state = await execution_state(execution)
        if state is None or not await _readable_workflow(connection.actor,
                                                         state[0].workflow):
            yield execution_not_found(execution_id)
            return
        if (gone := await _gone(stream, cursor)) is not None:
            yield gone
            return
        if cursor is None:
            state = await execution_state(execution)
            if state is None:  # deleted since the access check: it has ended for good
                return
            row, cursor = state
            yield _snapshot(stream, row, cursor)
            if row.status in TERMINAL:
                return
        frames = shared_frames(info.context, _broker(info), stream, cursor,
                               _execution_item(stream), until=_ends_execution)
        async for got in guarded(info.context, state[0].workflow, frames):
            if isinstance(got, Lagged):
                yield ExecutionEvent(cursor=event_cursor(stream, got.cursor),
                                     kind=ExecutionEventKind.LAGGED, execution_pk=execution)
            elif not await send_shared(got.data):
                yield got.item


@dataclass(frozen=True)
class _FeedTarget:
    where: reads.ExecutionFilter
    stream: str
    cursor: Position | None


def _feed_target(actor: Actor, filter: ExecutionFilter | None,
                 after: Cursor | None) -> _FeedTarget | InvalidInput | CursorExpired:
    try:
        where = reads.ExecutionFilter() if filter is None else filter.to_domain()
        stream = (organization_executions_stream(actor.organization_id)
                  if where.workflow_id is None else workflow_executions_stream(where.workflow_id))
        return _FeedTarget(where, stream, cursor_position(after, stream))
    except DomainInvalidInput as exc:
        return _invalid(exc)
    except DomainCursorExpired as exc:
        return _expired(exc)


async def _executions_updated(
    info: Info, filter: ExecutionFilter | None = None, after: Cursor | None = None
) -> AsyncGenerator[ExecutionsUpdate, None]:
    connection = live_connection(info.context)
    with connection.subscription_slot() as actor:
        target = _feed_target(actor, filter, after)
        if isinstance(target, InvalidInput | CursorExpired):
            yield target
            return
        where, stream, cursor = target.where, target.stream, target.cursor
        if where.workflow_id is not None and not await _readable_workflow(actor,
                                                                          where.workflow_id):
            assert filter is not None and filter.workflow_id is not None
            yield workflow_not_found(filter.workflow_id)
            return
        if (gone := await _gone(stream, cursor)) is not None:
            yield gone
            return
        if cursor is None:
            cursor = await watermark()
            yield ExecutionEvent(cursor=event_cursor(stream, cursor),
                                 kind=ExecutionEventKind.READY)
        # The feed of the actor the group is chosen by (a member whose role changes moves).
        viewer = connection.actor
        feed = Feed(lambda: viewer, where)

        async def item(event: LoggedEvent) -> ExecutionEvent | None:
            return ExecutionEvent.from_event(stream, event) if await feed.shows(event) else None

        frames: AsyncIterator[Frame[ExecutionEvent] | Lagged] = shared_frames(
            info.context, _broker(info), stream, cursor, item)
        if where.workflow_id is not None:  # one workflow's stream: re-checked per event
            frames = guarded(info.context, where.workflow_id, frames, per_event=True)
        async for got in frames:
            if isinstance(got, Lagged):
                yield ExecutionEvent(cursor=event_cursor(stream, got.cursor),
                                     kind=ExecutionEventKind.LAGGED)
            elif not await send_shared(got.data):
                yield got.item


async def _workflow_updated(
    info: Info, workflow_id: strawberry.ID, after: Cursor | None = None
) -> AsyncGenerator[WorkflowUpdate, None]:
    connection = live_connection(info.context)
    with connection.subscription_slot():
        target = _followed(workflow_id, "Workflow", "workflowId", workflow_stream, after)
        if isinstance(target, InvalidInput | CursorExpired):
            yield target
            return
        workflow, stream, cursor = target.key, target.stream, target.cursor
        if not await _readable_workflow(connection.actor, workflow):
            yield workflow_not_found(workflow_id)
            return
        if (gone := await _gone(stream, cursor)) is not None:
            yield gone
            return
        if cursor is None:
            state = await workflow_state(workflow)
            if state is None:
                return
            row, cursor = state
            yield WorkflowEvent(cursor=event_cursor(stream, cursor),
                                kind=WorkflowEventKind.SNAPSHOT, workflow_pk=workflow, row=row)

        async def item(event: LoggedEvent) -> WorkflowEvent | None:
            return WorkflowEvent.from_event(stream, workflow, event)

        frames = shared_frames(info.context, _broker(info), stream, cursor, item,
                               until=lambda e: bool(e.payload.get("deleted")))
        async for got in guarded(info.context, workflow, frames, per_event=True):
            if isinstance(got, Lagged):
                yield WorkflowEvent(cursor=event_cursor(stream, got.cursor),
                                    kind=WorkflowEventKind.LAGGED, workflow_pk=workflow)
            elif not await send_shared(got.data):
                yield got.item


@strawberry.type
class Subscription:
    execution_updated = strawberry.subscription(
        resolver=_execution_updated,
        description="The execution's state (SNAPSHOT), then each status change, span start "
        "and end, and log line; ends after the terminal state. Resume with `after: <the last "
        "cursor received>`.",
    )
    executions_updated = strawberry.subscription(
        resolver=_executions_updated,
        description="New executions (CREATED) and status changes (STATUS) of every workflow "
        "the caller may read, or of `filter.workflowId`, matching the filter (`status` is the "
        "status moved to). Starts with READY and its cursor; resume with `after`.",
    )
    workflow_updated = strawberry.subscription(
        resolver=_workflow_updated,
        description="The workflow's state (SNAPSHOT), then its status, version, owner, "
        "sharing, deployment and sync changes; ends with DELETED.",
    )
    environment_updated = strawberry.subscription(
        resolver=environment_updated,
        description="The environment's build state (SNAPSHOT), then each build status change "
        "(BUILD) and the installer's output as it is written (LOG, with the log's tail); "
        "ends with DELETED. Resume with `after`.",
    )
