"""One `Execution` type for lists, details, mutations and subscription events, with its span
tree and log lines.

An Execution is built from a summary row (lists, events) or a full row (one execution); the
fields only the full row has are loaded on demand, through a dataloader, so a list that asks
for them costs one statement more, not one per execution.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from domain.rows import ExecutionRow, ExecutionSummaryRow, LogRow, SpanRow, UserRow
from graphql_api.context import Info
from graphql_api.loaders import Maybe, peek, then
from graphql_api.types.enums import (
    ExecutionStatus,
    LogLevel,
    RetryFrom,
    SpanKind,
    SpanStatus,
    TriggerType,
    enum_or,
)
from graphql_api.types.ids import global_id
from graphql_api.types.lean import lean
from graphql_api.types.node import Node
from graphql_api.types.pagination import Connection, Listing, connection, window
from graphql_api.types.scalars import JSON, Cursor
from graphql_api.types.user import User

if TYPE_CHECKING:
    from graphql_api.types.workflow import Workflow

LOGS = Listing[LogRow]("logs", lambda row: (row.id,), (int,))


@strawberry.type
class Span(Node):
    """A span of the execution's trace: the execution, each attempt, each node run."""

    pk: strawberry.Private[int]
    execution_pk: strawberry.Private[int]
    parent_pk: strawberry.Private[int | None]
    kind: SpanKind
    node_id: str | None
    attempt: int
    status: SpanStatus
    started_at: datetime
    ended_at: datetime | None
    duration_ms: int | None
    output: JSON | None
    output_truncated: bool
    error: str | None

    @strawberry.field
    async def children(self, info: Info) -> list[Span]:
        """Spans started inside this one, in start order."""
        rows = await info.context.loaders.spans_by_execution.load(self.execution_pk)
        return [Span.from_row(row) for row in rows if row.parent == self.pk]

    @classmethod
    def from_row(cls, row: SpanRow) -> Span:
        return cls(
            id=global_id("Span", row.id), pk=row.id,
            execution_pk=row.execution, parent_pk=row.parent,
            kind=enum_or(SpanKind, row.kind, SpanKind.NODE), node_id=row.node_id,
            attempt=row.attempt,
            status=enum_or(SpanStatus, row.status, SpanStatus.RUNNING),
            started_at=row.started_at, ended_at=row.ended_at,
            duration_ms=row.duration_ms, output=row.output,
            output_truncated=row.output_truncated, error=row.error,
        )


@strawberry.type
class LogLine(Node):
    pk: strawberry.Private[int]
    node_id: str | None
    level: LogLevel
    message: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: LogRow) -> LogLine:
        return cls(id=global_id("LogLine", row.id), pk=row.id,
                   node_id=row.node_id, level=enum_or(LogLevel, row.level, LogLevel.INFO),
                   message=row.message, created_at=row.created_at)


@strawberry.type
class LogLineConnection(Connection[LogLine]):
    pass


@strawberry.type
class NodeOutput:
    node_id: str
    output: JSON | None


@strawberry.type
class Execution(Node):
    pk: strawberry.Private[int]
    workflow_pk: strawberry.Private[int]
    triggered_by_pk: strawberry.Private[int | None]
    # The full row when it was loaded already (one execution, a mutation's result).
    full: strawberry.Private[ExecutionRow | None]
    status: ExecutionStatus
    trigger_type: TriggerType
    attempt: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    duration_ms: int | None

    async def _full(self, info: Info) -> ExecutionRow:
        if self.full is None:
            self.full = await info.context.loaders.execution_by_id.load(self.pk)
            if self.full is None:
                raise LookupError(f"execution {self.pk} was deleted")
        return self.full

    @strawberry.field
    async def workflow(
        self, info: Info
    ) -> Annotated[Workflow, strawberry.lazy("graphql_api.types.workflow")]:
        from graphql_api.types.workflow import Workflow

        row = await info.context.loaders.workflow_by_id.load(self.workflow_pk)
        if row is None:
            raise LookupError(f"the workflow of execution {self.pk} was deleted")
        return Workflow.from_row(row)

    @lean
    def _resolve_triggered_by(self, info: Info) -> Maybe[User | None]:
        if self.triggered_by_pk is None:
            return None
        return then(peek(info.context.loaders.user_by_id, self.triggered_by_pk), _user)

    triggered_by = strawberry.field(_resolve_triggered_by, graphql_type=User | None)

    @strawberry.field
    async def input(self, info: Info) -> JSON:
        return JSON((await self._full(info)).input)

    @strawberry.field
    async def outputs(self, info: Info) -> JSON:
        """Each node's result by node id."""
        return JSON((await self._full(info)).outputs)

    @strawberry.field
    async def node_outputs(self, info: Info) -> list[NodeOutput]:
        found: Any = (await self._full(info)).outputs  # Any: JSON, an object when well-formed
        outputs = found if isinstance(found, dict) else {}
        return [NodeOutput(node_id=str(k), output=v) for k, v in outputs.items()]

    @strawberry.field
    async def workflow_version(self, info: Info) -> int:
        return (await self._full(info)).workflow_version

    @strawberry.field
    async def max_attempts(self, info: Info) -> int:
        return (await self._full(info)).max_attempts

    @strawberry.field
    async def cancel_requested(self, info: Info) -> bool:
        return (await self._full(info)).cancel_requested

    @strawberry.field
    async def retry_of(self, info: Info) -> Execution | None:
        """The execution this one retried."""
        original = (await self._full(info)).retry_of
        if original is None:
            return None
        row = await info.context.loaders.execution_by_id.load(original)
        return None if row is None else Execution.from_row(row)

    @strawberry.field
    async def retry_from(self, info: Info) -> RetryFrom | None:
        value = (await self._full(info)).retry_from
        return None if value is None else enum_or(RetryFrom, value, RetryFrom.START)

    @strawberry.field
    async def spans(self, info: Info) -> list[Span]:
        """The root spans of the trace (execution → attempt → node)."""
        rows = await info.context.loaders.spans_by_execution.load(self.pk)
        return [Span.from_row(row) for row in rows if row.parent is None]

    @strawberry.field
    async def logs(
        self, info: Info, first: int | None = None, after: Cursor | None = None,
        last: int | None = None, before: Cursor | None = None,
    ) -> LogLineConnection:
        """Log lines in the order they were written."""
        chosen = window(LOGS, first, after, last, before, default=100)
        page = await info.context.loaders.logs_by_execution.load((self.pk, chosen))
        return connection(LogLineConnection, LOGS, page, chosen, LogLine.from_row)

    @classmethod
    def from_summary(cls, row: ExecutionSummaryRow) -> Execution:
        """From an execution_summary row (its id column is `execution`)."""
        return cls._build(row.execution, row, None)

    @classmethod
    def from_row(cls, row: ExecutionRow) -> Execution:
        """From an execution row."""
        return cls._build(row.id, row, row)

    @classmethod
    def _build(cls, pk: int, row: ExecutionRow | ExecutionSummaryRow,
               full: ExecutionRow | None) -> Execution:
        return cls(
            id=global_id("Execution", pk), pk=pk, workflow_pk=row.workflow,
            triggered_by_pk=row.triggered_by, full=full,
            status=enum_or(ExecutionStatus, row.status, ExecutionStatus.PENDING),
            trigger_type=enum_or(TriggerType, row.trigger_type, TriggerType.MANUAL),
            attempt=row.attempt, error=row.error, created_at=row.created_at,
            started_at=row.started_at, ended_at=row.ended_at,
            duration_ms=row.duration_ms,
        )


def _user(row: UserRow | None) -> User | None:
    return None if row is None else User.from_row(row)


@strawberry.type
class ExecutionConnection(Connection[Execution]):
    pass


# Newest first: the summary list's order (both the organization's and a workflow's).
EXECUTIONS = Listing[ExecutionSummaryRow]("executions", lambda row: (row.created_at, row.execution),
                     (datetime, int))
