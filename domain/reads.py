"""Read side of executions for the API: the summary list of a workflow, one execution with its
spans and logs. Executions inherit their workflow's access: who cannot read the workflow
cannot learn that its executions exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain import _workflow_store as store
from domain._sql import decode, fetch, fetch_one
from domain.access import Actor, can_read
from domain.errors import NotFound


@dataclass(frozen=True)
class ExecutionFilter:
    status: str | None = None
    trigger_type: str | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None


@dataclass(frozen=True)
class SummaryCursor:
    """Position in the newest-first summary list: (created_at, execution id)."""

    created_at: datetime
    execution_id: int


async def list_executions(
    actor: Actor,
    workflow_id: int,
    where: ExecutionFilter,
    *,
    after: SummaryCursor | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Execution summaries of a readable workflow, newest first (NotFound otherwise)."""
    await store.readable(actor, workflow_id)
    rows = await fetch(
        "SELECT * FROM execution_summary WHERE workflow = $1"
        " AND ($2::text IS NULL OR status = $2)"
        " AND ($3::text IS NULL OR trigger_type = $3)"
        " AND ($4::timestamptz IS NULL OR started_at >= $4)"
        " AND ($5::timestamptz IS NULL OR started_at < $5)"
        " AND ($6::timestamptz IS NULL OR (created_at, execution) < ($6, $7))"
        " ORDER BY created_at DESC, execution DESC LIMIT $8",
        workflow_id, where.status, where.trigger_type, where.started_after,
        where.started_before, after and after.created_at, after and after.execution_id, limit,
    )
    return rows


async def get_execution(actor: Actor, execution_id: int) -> dict[str, Any]:
    """An execution of a workflow the actor may read; NotFound otherwise."""
    row = await fetch_one("SELECT * FROM execution WHERE id = $1", execution_id)
    missing = NotFound(f"execution {execution_id} does not exist")
    if row is None:
        raise missing
    workflow = await store.load_row(int(row["workflow"]))
    if workflow is None or not can_read(
        actor, workflow, await store.shared_ids(int(row["workflow"]))
    ):
        raise missing
    return decode(row)


async def spans_of(execution_id: int) -> list[dict[str, Any]]:
    rows = await fetch(
        "SELECT * FROM execution_span WHERE execution = $1 ORDER BY started_at, id", execution_id
    )
    return [decode(row) for row in rows]


async def logs_of(execution_id: int, *, after_id: int, limit: int) -> list[dict[str, Any]]:
    return await fetch(
        "SELECT * FROM execution_log WHERE execution = $1 AND id > $2"
        " ORDER BY id LIMIT $3",
        execution_id, after_id, limit,
    )


async def api_tokens_of(user_id: int) -> list[dict[str, Any]]:
    """A user's API tokens (never the token itself: only its hash is stored)."""
    return await fetch(
        "SELECT id, organization, name, prefix, created_at, expires_at, revoked_at,"
        " last_used_at FROM api_token WHERE \"user\" = $1 ORDER BY id",
        user_id,
    )
