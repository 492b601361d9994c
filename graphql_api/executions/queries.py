"""`executions(filter)` across the organization (or one workflow) and `execution(id)`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain import reads
from domain.rows import ExecutionRow
from graphql_api.context import Info
from graphql_api.mutation_result import run
from graphql_api.types.errors import ExecutionNotFound, InvalidInput
from graphql_api.types.execution import EXECUTIONS, Execution, ExecutionConnection
from graphql_api.types.filters import ExecutionFilter, bad_arguments
from graphql_api.types.ids import decode_id
from graphql_api.types.pagination import connection, window
from graphql_api.types.scalars import Cursor


def execution_not_found(execution_id: strawberry.ID | str) -> ExecutionNotFound:
    return ExecutionNotFound(
        message=f"execution {execution_id} does not exist",
        execution_id=strawberry.ID(execution_id),
    )


ExecutionResult = Annotated[
    Execution | ExecutionNotFound | InvalidInput, strawberry.union("ExecutionResult")
]


@strawberry.type
class ExecutionQueries:
    @strawberry.field
    async def executions(
        self, info: Info, filter: ExecutionFilter | None = None, first: int | None = None,
        after: Cursor | None = None, last: int | None = None, before: Cursor | None = None,
    ) -> ExecutionConnection:
        """Executions of every workflow the caller may read, newest first (served from the
        summary table). A filter on a workflow the caller cannot read matches nothing."""
        with bad_arguments():
            where = reads.ExecutionFilter() if filter is None else filter.to_domain()
        chosen = window(EXECUTIONS, first, after, last, before)
        page = await reads.list_executions(info.context.actor, where, chosen)
        return connection(ExecutionConnection, EXECUTIONS, page, chosen, Execution.from_summary)

    @strawberry.field
    async def execution(self, info: Info, id: strawberry.ID) -> ExecutionResult:
        """One execution with its span tree, logs and per-node outputs."""
        actor = info.context.actor

        async def call() -> ExecutionRow:
            return await reads.get_execution(actor, decode_id(id, "Execution", "id"))

        result: ExecutionResult = await run(
            ExecutionResult, call, Execution.from_row, not_found=execution_not_found(id))
        return result
