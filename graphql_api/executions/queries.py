"""`executions(workflowId, ...)` from the summary table and `execution(id)`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from domain import reads
from domain.errors import NotFound
from graphql_api.context import Info
from graphql_api.types.enums import ExecutionStatus, TriggerType
from graphql_api.types.errors import ExecutionNotFound, WorkflowNotFound
from graphql_api.types.execution import Execution, ExecutionSummary
from graphql_api.types.pagination import Connection, connection
from graphql_api.types.scalars import Cursor, decode_cursor, page_size, to_id
from graphql_api.workflows.queries import workflow_not_found


def execution_not_found(execution_id: strawberry.ID | str) -> ExecutionNotFound:
    return ExecutionNotFound(
        message=f"execution {execution_id} does not exist",
        execution_id=strawberry.ID(execution_id),
    )


@strawberry.input
class ExecutionFilter:
    status: ExecutionStatus | None = None
    trigger_type: TriggerType | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None

    def to_domain(self) -> reads.ExecutionFilter:
        return reads.ExecutionFilter(
            status=None if self.status is None else self.status.value,
            trigger_type=None if self.trigger_type is None else self.trigger_type.value,
            started_after=self.started_after, started_before=self.started_before,
        )


ExecutionsResult = Annotated[
    Connection[ExecutionSummary] | WorkflowNotFound, strawberry.union("ExecutionsResult")
]
ExecutionResult = Annotated[Execution | ExecutionNotFound, strawberry.union("ExecutionResult")]


def _summary_cursor(row: dict[str, object]) -> str:
    created_at = row["created_at"]
    assert isinstance(created_at, datetime)
    return f"{created_at.isoformat()}|{row['execution']}"


def _after(cursor: Cursor | None) -> reads.SummaryCursor | None:
    if cursor is None:
        return None
    created_at, _, execution_id = decode_cursor(cursor).partition("|")
    try:
        return reads.SummaryCursor(datetime.fromisoformat(created_at), int(execution_id))
    except ValueError:
        return None


@strawberry.type
class ExecutionQueries:
    @strawberry.field
    async def executions(
        self,
        info: Info,
        workflow_id: strawberry.ID,
        filter: ExecutionFilter | None = None,
        first: int | None = 20,
        after: Cursor | None = None,
    ) -> ExecutionsResult:
        """A workflow's executions, newest first (served from the summary table)."""
        limit, wid = page_size(first), to_id(workflow_id)
        try:
            if wid is None:
                raise NotFound(workflow_id)
            rows = await reads.list_executions(
                info.context.actor, wid, (filter or ExecutionFilter()).to_domain(),
                after=_after(after), limit=limit + 1,
            )
        except NotFound:
            return workflow_not_found(workflow_id)
        return connection(rows, limit, ExecutionSummary.from_row, _summary_cursor)

    @strawberry.field
    async def execution(self, info: Info, id: strawberry.ID) -> ExecutionResult:
        """One execution with its span tree, logs and per-node outputs."""
        execution_id = to_id(id)
        try:
            if execution_id is None:
                raise NotFound(id)
            row = await reads.get_execution(info.context.actor, execution_id)
        except NotFound:
            return execution_not_found(id)
        return Execution.from_execution_row(row)
