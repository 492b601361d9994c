"""Starting, retrying and cancelling executions (the API, webhooks and the scheduler call these).

Each creates or changes rows through `domain.recording.record` (one transaction with its
events) and enqueues only after that transaction commits. Access checks are the caller's job.

Starting executions of one workflow concurrently must not serialise on the workflow row: its
row is read without a lock and never written (the execution count is sharded,
domain.execution_counts). The creating transaction's last statements share-lock the row and
read it as last committed, so a concurrent archive or (un)deploy is either seen by the creation
or waits for it to commit, while concurrent creations take the shared lock together.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from db.engine import engine
from domain._sql import fetch, fetch_one
from domain.cancel_signals import announce_cancel
from domain.dispatch import enqueue_execution, queue_for
from domain.errors import ExecutionFinished, ExecutionNotFinished, NotFound, WorkflowArchived
from domain.execution_counts import count_execution
from domain.leases import open_span_closes
from domain.recording import (
    TERMINAL,
    Fenced,
    LogLine,
    NewExecution,
    SpanClose,
    StatusChange,
    create,
    lock,
    record,
)
from domain.rows import FullExecutionRow, WorkflowRow

RetryFrom = Literal["START", "FAILED_NODE"]
RetryVersion = Literal["PINNED", "LATEST"]
DEFAULT_MAX_ATTEMPTS = 3


def definition_snapshot(workflow: WorkflowRow) -> dict[str, Any]:
    """The part of a workflow row an execution runs (Any: JSON values)."""
    return {"nodes": workflow.nodes, "connections": workflow.connections,
            "settings": workflow.settings, "trigger": workflow.trigger}


def max_attempts_of(definition: dict[str, Any]) -> int:
    settings = definition.get("settings") or {}
    return int(settings.get("maxAttempts") or DEFAULT_MAX_ATTEMPTS)


async def load_workflow(workflow_id: int) -> WorkflowRow:
    row = await fetch_one("SELECT * FROM workflow WHERE id = $1", workflow_id)
    if row is None:
        raise NotFound(f"workflow {workflow_id} does not exist")
    return WorkflowRow.from_record(row)


async def load_execution(execution_id: int) -> FullExecutionRow:
    row = await fetch_one("SELECT * FROM execution WHERE id = $1", execution_id)
    if row is None:
        raise NotFound(f"execution {execution_id} does not exist")
    return FullExecutionRow.from_record(row)


async def start_execution(
    workflow_id: int,
    *,
    trigger_type: str,
    triggered_by: int | None,
    input: dict[str, Any],
    idempotency_key: str | None = None,
) -> FullExecutionRow:
    """Create a pending execution of the workflow's current definition and dispatch it.

    With `idempotency_key`, a repeated call returns the execution the first one created.
    """
    async with engine().transaction():
        row, created = await create_execution(
            workflow_id, trigger_type=trigger_type, triggered_by=triggered_by, input=input,
            idempotency_key=idempotency_key)
    if created:
        await dispatch(row)
    return row


async def dispatch(row: FullExecutionRow) -> None:
    """Enqueue a created execution; call after the creating transaction committed."""
    assert row.dispatched_at is not None  # set by its creation
    await enqueue_execution(row.organization, row.id, row.dispatch_generation, row.queue_name,
                            row.dispatched_at)


async def _counted(row: FullExecutionRow) -> FullExecutionRow:
    """Count the new execution and check the workflow as last committed: it may have been
    archived or (un)deployed since it was read. The share lock taken here is held until the
    creation commits; other creations share it."""
    workflow = await count_execution(row.workflow)
    if workflow is None:
        raise NotFound(f"workflow {row.workflow} does not exist")
    if workflow["status"] == "archived":
        raise WorkflowArchived(str(workflow["name"]))
    queue = queue_for(int(workflow["organization"]), row.workflow, workflow["deployment_phase"])
    if queue != row.queue_name:
        await fetch("UPDATE execution SET queue_name = $2 WHERE id = $1", row.id, queue)
        row = replace(row, queue_name=queue)
    return row


async def create_execution(
    workflow_id: int,
    *,
    trigger_type: str,
    triggered_by: int | None,
    input: Any,
    idempotency_key: str | None = None,
) -> tuple[FullExecutionRow, bool]:
    """The pending execution row and whether it is new, without dispatching it: for callers
    that create it inside a larger transaction and `dispatch` it after commit (Any: JSON)."""
    async with engine().transaction():
        workflow = await load_workflow(workflow_id)
        if workflow.status == "archived":
            raise WorkflowArchived(workflow.name)
        if idempotency_key is not None:
            # Serialise deliveries with the same key, so only the first one creates.
            await fetch("SELECT pg_advisory_xact_lock(hashtext($1))",
                        f"idempotency:{workflow_id}:{idempotency_key}")
            existing = await fetch_one(
                "SELECT * FROM execution WHERE workflow = $1 AND idempotency_key = $2",
                workflow_id, idempotency_key,
            )
            if existing is not None:
                return FullExecutionRow.from_record(existing), False
        definition = definition_snapshot(workflow)
        created = await create(NewExecution(
            organization_id=workflow.organization,
            workflow_id=workflow_id,
            trigger_type=trigger_type,
            triggered_by=triggered_by,
            input=input,
            workflow_version=workflow.version,
            definition=definition,
            max_attempts=max_attempts_of(definition),
            queue_name=queue_for(workflow.organization, workflow_id, workflow.deployment_phase),
            idempotency_key=idempotency_key,
        ))
        row = await _counted(created.full_row)
    return row, True


async def retry_execution(
    execution_id: int,
    *,
    from_node: RetryFrom,
    version: RetryVersion,
    triggered_by: int | None,
) -> FullExecutionRow:
    """A new execution of a finished one, pointing back through `retry_of`.

    PINNED runs the original definition snapshot, LATEST the workflow's current one. From
    FAILED_NODE, nodes that completed in the original keep their recorded outputs.
    """
    async with engine().transaction():
        original = await load_execution(execution_id)
        if original.status not in TERMINAL:
            raise ExecutionNotFinished(execution_id, original.status)
        workflow = await load_workflow(original.workflow)
        if version == "LATEST":
            definition, workflow_version = definition_snapshot(workflow), workflow.version
        else:
            definition, workflow_version = original.definition, original.workflow_version
        node_ids = {node["id"] for node in definition.get("nodes", [])}
        reused = {}
        if from_node == "FAILED_NODE":
            reused = {k: v for k, v in original.outputs.items() if k in node_ids}
        created = await create(NewExecution(
            organization_id=original.organization,
            workflow_id=original.workflow,
            trigger_type=original.trigger_type,
            triggered_by=triggered_by,
            input=original.input,
            workflow_version=workflow_version,
            definition=definition,
            max_attempts=max_attempts_of(definition),
            queue_name=queue_for(workflow.organization, workflow.id, workflow.deployment_phase),
            retry_of=execution_id,
            retry_from=from_node,
            outputs=reused,
        ))
        row = await _counted(created.full_row)
    await dispatch(row)
    return row


async def cancel_execution(execution_id: int, *, actor_id: int | None) -> FullExecutionRow:
    """Cancel a pending execution at once; ask the worker of a running one to stop.

    Cancelling a cancelled execution returns it unchanged; a completed or failed one raises
    ExecutionFinished.
    """
    async with engine().transaction():
        try:
            locked = await lock(execution_id, full_row=True)  # decide under the row lock
        except Fenced:
            raise NotFound(f"execution {execution_id} does not exist") from None
        row = locked.full_row
        if row.status == "cancelled":
            return row
        if row.status in TERMINAL:
            raise ExecutionFinished(execution_id, row.status)
        who = "a trigger" if actor_id is None else f"user {actor_id}"
        line = LogLine(f"cancel requested by {who}", level="warning")
        closes: list[SpanClose] = []
        announce = False
        if row.status == "pending":
            change = StatusChange("cancelled", "cancelled before it started",
                                  {"cancel_requested": True})
        elif row.next_attempt_at is not None and row.lease_expires_at is None:
            # Between two attempts no worker holds it (the claim of the next one clears the
            # due time under this row lock): end it here.
            change = StatusChange("cancelled", "cancelled between attempts",
                                  {"cancel_requested": True})
            closes = await open_span_closes(execution_id, "cancelled", "cancelled on request")
        else:
            change = StatusChange("running", row.error, {"cancel_requested": True})
            announce = True
        recorded = await record(locked, change, line, *closes)
    if announce:  # after the commit: the worker that confirms the hint must see the request
        await announce_cancel(row.organization, execution_id)
    return recorded.full_row
