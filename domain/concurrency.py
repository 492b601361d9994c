"""`settings.concurrency`: at most that many executions of a workflow run at once, oldest first.

Admission is decided at claim time under a per-workflow advisory lock: an execution is
admitted while fewer than its limit run and no older one of the workflow waits. One that is
not admitted is *parked*: it stays `pending` without a job (`dispatched_at` NULL, so the
sweeper leaves it alone). A finishing execution releases the oldest parked one (a new
generation and a job) once a slot is free; the sweeper does the same for every workflow with
parked executions, so one is released even when the execution that freed its slot had no
limit of its own or died before releasing. A released execution holds its slot until it
claims it, so the next one is not released just to park again at every sweep.
"""

from __future__ import annotations

from domain._sql import fetch, fetch_one
from domain.dispatch import enqueue_dispatched, queue_for
from domain.rows import DispatchedRow, FullExecutionRow


def limit_of(row: FullExecutionRow) -> int | None:
    """The concurrency limit of an execution's definition snapshot."""
    value = (row.definition.get("settings") or {}).get("concurrency")
    return int(value) if value else None


_DISPATCHED = ", ".join(DispatchedRow.columns())


async def _lock_workflow(workflow_id: int) -> None:
    # Through a function of the platform's: organization workers may not take advisory locks
    # themselves, and this one refuses another organization's workflow (db.row_security).
    await fetch("SELECT flowplane_lock_workflow($1)", workflow_id)


async def admit(row: FullExecutionRow) -> bool:
    """Whether the pending execution may start now; parks it when not. Call inside the
    claiming transaction, with the execution's row locked."""
    limit = limit_of(row)
    if limit is None:
        return True
    await _lock_workflow(row.workflow)
    counts = await fetch_one(
        "SELECT count(*) FILTER (WHERE status = 'running') AS running,"
        " count(*) FILTER (WHERE status = 'pending' AND id < $2) AS older"
        " FROM execution WHERE workflow = $1 AND status IN ('pending', 'running')",
        row.workflow, row.id)
    assert counts is not None
    if counts["running"] < limit and counts["older"] == 0:
        return True
    await fetch("UPDATE execution SET dispatched_at = NULL, lease_expires_at = NULL,"
                " worker_id = NULL WHERE id = $1", row.id)
    return False


async def release_parked(workflow_id: int) -> list[DispatchedRow]:
    """Give the oldest parked executions of the workflow a new generation, as many as their
    limit leaves room for; returns them to enqueue after commit. Call inside a
    transaction."""
    await _lock_workflow(workflow_id)
    # A slot is taken by a running execution, and by a pending one older than the oldest
    # parked one with a job it has yet to claim (released before, or dispatched at its
    # trigger): `admit` will let that one in, and would park the next one released meanwhile,
    # which the next sweep would release again, and again while that job waits its turn.
    # Newer pending ones with a job park at their claim, so they take no slot.
    oldest = await fetch_one(
        "SELECT p.lim, (SELECT count(*) FROM execution e WHERE e.workflow = $1"
        "  AND (e.status = 'running' OR (e.status = 'pending'"
        "  AND e.dispatched_at IS NOT NULL AND e.id < p.id))) AS taken"
        " FROM (SELECT id, (definition->'settings'->>'concurrency')::int AS lim"
        "  FROM execution WHERE workflow = $1 AND status = 'pending'"
        "  AND dispatched_at IS NULL ORDER BY id LIMIT 1) p", workflow_id)
    if oldest is None:
        return []
    free = (oldest["lim"] or 1) - oldest["taken"]
    if free <= 0:
        return []
    workflow = await fetch_one(
        "SELECT id, organization, deployment_phase FROM workflow WHERE id = $1",
                               workflow_id)
    assert workflow is not None
    rows = await fetch(
        "UPDATE execution SET dispatch_generation = dispatch_generation + 1,"
        " dispatched_at = clock_timestamp(), queue_name = $3 WHERE id IN ("
        " SELECT id FROM execution WHERE workflow = $1 AND status = 'pending'"
        f" AND dispatched_at IS NULL ORDER BY id LIMIT $2) RETURNING {_DISPATCHED}",
        workflow_id, free, queue_for(int(workflow["organization"]), workflow_id,
                                 workflow["deployment_phase"]))
    return [DispatchedRow.from_record(row) for row in rows]


async def enqueue_released(released: list[DispatchedRow]) -> None:
    """Enqueue what `release_parked` returned; call after its transaction committed."""
    for row in released:
        await enqueue_dispatched(row)


async def parked_workflows() -> list[int]:
    rows = await fetch("SELECT DISTINCT workflow FROM execution"
                       " WHERE status = 'pending' AND dispatched_at IS NULL")
    return [int(r["workflow"]) for r in rows]
