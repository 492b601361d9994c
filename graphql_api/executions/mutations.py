"""runWorkflow, retryExecution, cancelExecution: running needs write access to the workflow
(the owner, a shared user or an admin), like editing it."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain import executions, reads
from domain.access import Actor
from domain.rows import ExecutionRow
from domain.workflows import check_writable
from graphql_api.context import Info
from graphql_api.executions.queries import execution_not_found
from graphql_api.mutation_result import run
from graphql_api.types.enums import RetryFrom, RetryVersion
from graphql_api.types.errors import (
    ExecutionFinished,
    ExecutionNotFinished,
    ExecutionNotFound,
    Forbidden,
    InvalidInput,
    WorkflowArchived,
    WorkflowNotFound,
)
from graphql_api.types.execution import Execution
from graphql_api.types.ids import InvalidArgument, decode_id
from graphql_api.types.scalars import JSON
from graphql_api.workflows.queries import workflow_not_found

RunWorkflowResult = Annotated[
    Execution | WorkflowNotFound | Forbidden | WorkflowArchived | InvalidInput,
    strawberry.union("RunWorkflowResult")]
RetryExecutionResult = Annotated[
    Execution | ExecutionNotFound | Forbidden | ExecutionNotFinished | InvalidInput,
    strawberry.union("RetryExecutionResult")]
CancelExecutionResult = Annotated[
    Execution | ExecutionNotFound | Forbidden | ExecutionFinished | InvalidInput,
    strawberry.union("CancelExecutionResult")]


async def _writable_execution(actor: Actor, id: strawberry.ID) -> int:
    """The key of an execution whose workflow the actor may change (NotFound / Forbidden)."""
    execution_id = decode_id(id, "Execution", "id")
    row = await reads.get_execution(actor, execution_id)
    await check_writable(actor, row.workflow)
    return execution_id


@strawberry.type
class ExecutionMutations:
    @strawberry.mutation
    async def run_workflow(
        self, info: Info, workflow_id: strawberry.ID, input: JSON | None = None
    ) -> RunWorkflowResult:
        """Start a manual execution of the workflow's current definition."""
        actor = info.context.actor

        async def call() -> ExecutionRow:
            wid = decode_id(workflow_id, "Workflow", "workflowId")
            if input is not None and not isinstance(input, dict):
                raise InvalidArgument("input", "must be a JSON object")
            await check_writable(actor, wid)
            return await executions.start_execution(
                wid, trigger_type="manual", triggered_by=actor.user_id, input=dict(input or {})
            )

        result: RunWorkflowResult = await run(
            RunWorkflowResult, call, Execution.from_row, not_found=workflow_not_found(workflow_id))
        return result

    @strawberry.mutation
    async def retry_execution(
        self, info: Info, id: strawberry.ID,
        from_: Annotated[RetryFrom, strawberry.argument(name="from")] = RetryFrom.START,
        version: RetryVersion = RetryVersion.PINNED,
    ) -> RetryExecutionResult:
        """A new execution of a finished one: from the start or the failed node, with the
        pinned definition or the latest one."""
        actor = info.context.actor

        async def call() -> ExecutionRow:
            execution_id = await _writable_execution(actor, id)
            return await executions.retry_execution(
                execution_id, from_node=from_.value, version=version.value,
                triggered_by=actor.user_id,
            )

        result: RetryExecutionResult = await run(
            RetryExecutionResult, call, Execution.from_row, not_found=execution_not_found(id))
        return result

    @strawberry.mutation
    async def cancel_execution(self, info: Info, id: strawberry.ID) -> CancelExecutionResult:
        """Cancel a pending execution at once, or ask the worker of a running one to stop;
        cancelling a cancelled execution returns it unchanged."""
        actor = info.context.actor

        async def call() -> ExecutionRow:
            execution_id = await _writable_execution(actor, id)
            return await executions.cancel_execution(execution_id, actor_id=actor.user_id)

        result: CancelExecutionResult = await run(
            CancelExecutionResult, call, Execution.from_row, not_found=execution_not_found(id))
        return result
