"""GraphQL types of the subscriptions: the events they stream, built from logged events.

An event carries what changed as its own fields (`kind`, the status an execution moved to,
the span or log line it added, what a workflow change changed) and the object as it is now
(`execution`, `workflow`): the same `Execution`, `Span`, `LogLine` and `Workflow` types the
queries return, read after the event committed. So a normalised cache only ever moves
forward, even when a client replays old events after a cursor.

The current rows are read once per event for every subscriber of this process (`_AsOf`), so
a thousand dashboards following one execution cost one read per event, not a thousand.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, Generic, TypeVar

import strawberry

from domain import reads, workflow_reads
from domain.errors import CursorExpired
from domain.event_log import LoggedEvent, Position
from domain.events import feed_of
from domain.rows import ExecutionRow, WorkflowRow
from graphql_api.context import Info
from graphql_api.types.enums import (
    DeploymentPhase,
    ExecutionStatus,
    SpanStatus,
    WorkflowStatus,
    enum_or,
)
from graphql_api.types.execution import Execution, LogLine, Span
from graphql_api.types.ids import InvalidArgument
from graphql_api.types.scalars import Cursor, decode_cursor, encode_cursor
from graphql_api.types.sync_run import SyncStatus, sync_status
from graphql_api.types.user import User
from graphql_api.types.workflow import Workflow

R = TypeVar("R")
At = tuple[int, datetime | None]  # an event: its id and time
Shared = tuple[str, Position, At]  # a logged event: stream, position, id and time


def _shared(stream: str, event: LoggedEvent) -> Shared:
    return (stream, event.position, (event.id, event.created_at))


def event_cursor(stream: str, position: Position) -> Cursor:
    """`stream@seq` in an entity's stream, `stream@ftx.id` in a feed (domain.event_log)."""
    at = f"{position[0]}.{position[1]}" if feed_of(stream) is not None else str(position[0])
    return Cursor(encode_cursor(f"{stream}@{at}"))


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else None


def cursor_position(cursor: Cursor | None, stream: str) -> Position | None:
    """The position in `stream` of a cursor received from a subscription to it. A feed's
    cursor from before the event log kept feeds by transaction order has expired."""
    if cursor is None:
        return None
    try:
        named, _, at = decode_cursor(cursor).rpartition("@")
    except ValueError:
        named, at = "", ""
    first, dot, second = at.partition(".")
    if named == stream and feed_of(stream) is not None:
        if dot and (tx := _number(first)) is not None and (event := _number(second)) is not None:
            return tx, event
        if not dot and _number(at) is not None:
            raise CursorExpired(stream)
    elif named == stream and not dot and (seq := _number(at)) is not None:
        return seq, 0
    raise InvalidArgument("after", "not a cursor of this subscription (with these "
                          "arguments)")


class _AsOf(Generic[R]):
    """Rows as of (at least) an event, loaded once per (row, event) for all subscribers."""

    def __init__(self, read: Callable[[Sequence[int]], Awaitable[dict[int, R]]],
                 size: int = 4096) -> None:
        self.read = read
        self.size = size
        self.loaded: OrderedDict[tuple[int, At], asyncio.Future[R | None]] = OrderedDict()

    async def get(self, row_id: int, at: At) -> R | None:
        """The row, read after the event `at` (its id and time: ids alone restart when tables
        are truncated, as tests do) committed."""
        key = (row_id, at)
        future = self.loaded.get(key)
        if future is None:
            future = asyncio.ensure_future(self._load(row_id))
            self.loaded[key] = future
            while len(self.loaded) > self.size:
                self.loaded.popitem(last=False)
        return await asyncio.shield(future)

    async def _load(self, row_id: int) -> R | None:
        return (await self.read([row_id])).get(row_id)


EXECUTIONS = _AsOf(reads.executions_by_ids)
SPANS = _AsOf(reads.spans_by_ids)
LOGS = _AsOf(reads.logs_by_ids)
WORKFLOWS = _AsOf(workflow_reads.workflows_by_ids)


@strawberry.enum
class ExecutionEventKind(Enum):
    SNAPSHOT = "snapshot"  # the execution as it is, first item without `after`
    READY = "ready"  # executionsUpdated is live from `cursor` (first item without `after`)
    CREATED = "execution"  # a new execution
    STATUS = "status"  # the execution moved to `status`
    SPAN = "span"  # a span started or ended (`spanStatus`)
    LOG = "log"  # a log line was written
    LAGGED = "lagged"  # the client fell behind: resubscribe with `after: cursor`


@strawberry.type(description="One change of an execution (see ExecutionEventKind).")
class ExecutionEvent:
    cursor: Cursor
    kind: ExecutionEventKind
    status: ExecutionStatus | None = strawberry.field(
        default=None, description="SNAPSHOT, CREATED, STATUS: the status it moved to (as of "
        "this event; `execution.status` is the current one).")
    span_status: SpanStatus | None = strawberry.field(
        default=None, description="SPAN: the status the span moved to.")
    execution_pk: strawberry.Private[int | None] = None
    span_pk: strawberry.Private[int | None] = None
    log_pk: strawberry.Private[int | None] = None
    at: strawberry.Private[At] = (0, None)
    row: strawberry.Private[ExecutionRow | None] = None
    # The logged event this item stands for: one execution per group (graphql_api.multiplex).
    shared_key: strawberry.Private[Shared | None] = None

    @strawberry.field
    async def execution(self) -> Execution | None:
        """The execution as it is now; null only on READY and LAGGED items of
        executionsUpdated."""
        if self.row is not None:
            return Execution.from_row(self.row)
        if self.execution_pk is None:
            return None
        row = await EXECUTIONS.get(self.execution_pk, self.at)
        return None if row is None else Execution.from_row(row)

    @strawberry.field
    async def span(self) -> Span | None:
        """SPAN: the span as it is now."""
        if self.span_pk is None:
            return None
        row = await SPANS.get(self.span_pk, self.at)
        return None if row is None else Span.from_row(row)

    @strawberry.field
    async def log(self) -> LogLine | None:
        """LOG: the log line."""
        if self.log_pk is None:
            return None
        row = await LOGS.get(self.log_pk, self.at)
        return None if row is None else LogLine.from_row(row)

    @classmethod
    def from_event(cls, stream: str, event: LoggedEvent) -> ExecutionEvent | None:
        """The item for a logged event (None for a kind this API version does not show)."""
        try:
            kind = ExecutionEventKind(event.kind)
        except ValueError:
            return None
        if kind is ExecutionEventKind.CREATED and feed_of(stream) is None:
            kind = ExecutionEventKind.STATUS  # its own stream starts with its first status
        payload = event.payload
        status = payload.get("status")
        item = cls(cursor=event_cursor(stream, event.position), kind=kind,
                   at=(event.id, event.created_at), shared_key=_shared(stream, event),
                   execution_pk=int(payload.get("executionId") or event.execution_id or 0))
        if kind in (ExecutionEventKind.STATUS, ExecutionEventKind.CREATED):
            item.status = enum_or(ExecutionStatus, status, ExecutionStatus.PENDING)
        elif kind is ExecutionEventKind.SPAN:
            item.span_pk = int(payload["spanId"])
            item.span_status = enum_or(SpanStatus, status, SpanStatus.RUNNING)
        elif kind is ExecutionEventKind.LOG:
            item.log_pk = int(payload["logId"])
        return item


@strawberry.enum
class WorkflowEventKind(Enum):
    SNAPSHOT = "snapshot"  # the workflow as it is, first item without `after`
    STATUS = "status"
    VERSION = "version"
    OWNER = "owner"
    SHARING = "sharing"
    DEPLOYMENT = "deployment"
    SYNC = "sync"
    DELETED = "deleted"  # the last item
    LAGGED = "lagged"


# Which payload key says what a `workflow` event changed, in order of precedence.
_WORKFLOW_KINDS = (("deleted", WorkflowEventKind.DELETED), ("status", WorkflowEventKind.STATUS),
                   ("version", WorkflowEventKind.VERSION), ("ownerId", WorkflowEventKind.OWNER),
                   ("sharedWith", WorkflowEventKind.SHARING),
                   ("deployment", WorkflowEventKind.DEPLOYMENT),
                   ("syncStatus", WorkflowEventKind.SYNC))


@strawberry.type(description="What one workflow event changed; the rest is null.")
class WorkflowChange:
    status: WorkflowStatus | None = None
    from_status: WorkflowStatus | None = None
    reason: str | None = None
    version: int | None = None
    deployment_phase: DeploymentPhase | None = None
    deployment_error: str | None = None
    deployment_reason: str | None = None
    undeployed: bool = strawberry.field(default=False, description="The deployment was "
                                        "removed.")
    sync_status: SyncStatus | None = None
    sync_error: str | None = None
    owner_pk: strawberry.Private[int | None] = None
    shared_pks: strawberry.Private[list[int] | None] = None

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        if self.owner_pk is None:
            return None
        row = await info.context.loaders.user_by_id.load(self.owner_pk)
        return None if row is None else User.from_row(row)

    @strawberry.field
    async def shared_with(self, info: Info) -> list[User] | None:
        """SHARING: everyone the workflow is shared with now."""
        if self.shared_pks is None:
            return None
        rows = await info.context.loaders.user_by_id.load_many(self.shared_pks)
        return [User.from_row(row) for row in rows if row is not None]

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> WorkflowChange:
        def status(key: str) -> WorkflowStatus | None:
            value = payload.get(key)
            return None if value is None else enum_or(WorkflowStatus, value, WorkflowStatus.DRAFT)

        deployment = payload.get("deployment") or {}
        phase = deployment.get("phase")
        shared = payload.get("sharedWith")
        return cls(
            status=status("status"), from_status=status("fromStatus"),
            reason=payload.get("reason"), version=payload.get("version"),
            deployment_phase=None if phase is None else enum_or(
                DeploymentPhase, phase, DeploymentPhase.FAILED),
            deployment_error=deployment.get("error"), deployment_reason=deployment.get("reason"),
            undeployed="deployment" in payload and payload["deployment"] is None,
            sync_status=sync_status(payload.get("syncStatus")),
            sync_error=payload.get("syncError"), owner_pk=payload.get("ownerId"),
            shared_pks=None if shared is None else [int(user) for user in shared],
        )


@strawberry.type(description="One change of a workflow (see WorkflowEventKind).")
class WorkflowEvent:
    cursor: Cursor
    kind: WorkflowEventKind
    change: WorkflowChange | None = None
    workflow_pk: strawberry.Private[int] = 0
    at: strawberry.Private[At] = (0, None)
    row: strawberry.Private[WorkflowRow | None] = None
    shared_key: strawberry.Private[Shared | None] = None

    @strawberry.field
    async def workflow(self) -> Workflow | None:
        row = self.row if self.row is not None else await WORKFLOWS.get(
            self.workflow_pk, self.at)
        return None if row is None else Workflow.from_row(row)

    @classmethod
    def from_event(cls, stream: str, workflow_pk: int, event: LoggedEvent
                   ) -> WorkflowEvent | None:
        """The workflow as it is now; null once it is deleted."""
        kind = next((k for key, k in _WORKFLOW_KINDS if event.payload.get(key) is not None
                     or (key == "deployment" and key in event.payload)), None)
        if kind is None:
            return None
        return cls(cursor=event_cursor(stream, event.position), kind=kind,
                   change=WorkflowChange.from_payload(event.payload), workflow_pk=workflow_pk,
                   at=(event.id, event.created_at), shared_key=_shared(stream, event))
