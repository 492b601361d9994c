"""Read side of executions for the API: the organization's execution list (or one workflow's),
one execution, and the batch reads behind the dataloaders (details, spans, log pages).
Executions inherit their workflow's access: who cannot read the workflow cannot learn that
its executions exist."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain import _workflow_store as store
from domain._sql import fetch, fetch_one
from domain.access import Actor, can_read
from domain.errors import NotFound
from domain.pages import Order, Page, Window, keyset, pages_by_parent
from domain.rows import ExecutionRow, ExecutionSummaryRow, LogRow, SpanRow
from domain.workflow_reads import visible

NEWEST_FIRST = Order(("s.created_at", "s.execution"), descending=True)
LOG_ORDER = Order(("t.id",))
# Every execution column but the definition snapshot, which the API never shows.
DETAIL_COLUMNS = ", ".join(ExecutionRow.columns())


@dataclass(frozen=True)
class ExecutionFilter:
    workflow_id: int | None = None
    status: str | None = None
    trigger_type: str | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None
    triggered_by: int | None = None


def _matching(alias: str, where: ExecutionFilter, args: list[Any]) -> str:
    """`AND ...` conditions of the filter on the summary row `alias`; appends their values."""
    tests = (
        ("workflow = ${}", where.workflow_id), ("status = ${}", where.status),
        ("trigger_type = ${}", where.trigger_type), ("started_at >= ${}", where.started_after),
        ("started_at < ${}", where.started_before), ("triggered_by = ${}", where.triggered_by),
    )
    conditions = ""
    for test, value in tests:
        if value is not None:
            args.append(value)
            conditions += f" AND {alias}.{test.format(len(args))}"
    return conditions


async def list_executions(
    actor: Actor, where: ExecutionFilter, window: Window
) -> Page[ExecutionSummaryRow]:
    """Summaries of the executions of every workflow the actor may read, newest first."""
    condition, args = visible(actor)
    filters = _matching("s", where, args)
    conditions, ordering = keyset(NEWEST_FIRST, window, args)
    rows = await fetch(
        "SELECT s.* FROM execution_summary s JOIN workflow w ON w.id = s.workflow"
        f" WHERE s.organization = $1 AND {condition}{filters}{conditions}{ordering}",
        *args,
    )
    return Page.of([ExecutionSummaryRow.from_record(row) for row in rows], window)


async def executions_by_workflows(
    workflow_ids: Sequence[int], where: ExecutionFilter, window: Window
) -> dict[int, Page[ExecutionSummaryRow]]:
    """A page of each workflow's execution summaries, newest first (access is the caller's:
    it read the workflows)."""
    args: list[Any] = [list(workflow_ids)]
    source = "SELECT * FROM execution_summary x WHERE x.workflow = p.id" + _matching(
        "x", where, args)
    order = Order(("t.created_at", "t.execution"), descending=True)
    return await pages_by_parent(source, args, "workflow", order, window,
                                 make=ExecutionSummaryRow.from_record)


async def get_execution(actor: Actor, execution_id: int) -> ExecutionRow:
    """An execution of a workflow the actor may read; NotFound otherwise."""
    row = await fetch_one(f"SELECT {DETAIL_COLUMNS} FROM execution WHERE id = $1", execution_id)
    missing = NotFound(f"execution {execution_id} does not exist")
    if row is None:
        raise missing
    workflow = await store.load_row(int(row["workflow"]))
    if workflow is None or not can_read(
        actor, workflow, await store.shared_ids(int(row["workflow"]))
    ):
        raise missing
    return ExecutionRow.from_record(row)


async def executions_by_ids(ids: Sequence[int]) -> dict[int, ExecutionRow]:
    """Execution rows without their definition snapshot (for the details of summaries)."""
    rows = await fetch(
        f"SELECT {DETAIL_COLUMNS} FROM execution WHERE id = ANY($1::int[])", list(ids)
    )
    return {int(row["id"]): ExecutionRow.from_record(row) for row in rows}


async def spans_by_executions(ids: Sequence[int]) -> dict[int, list[SpanRow]]:
    rows = await fetch(
        "SELECT * FROM execution_span WHERE execution = ANY($1::int[]) ORDER BY started_at, id",
        list(ids),
    )
    found: dict[int, list[SpanRow]] = defaultdict(list)
    for row in rows:
        span = SpanRow.from_record(row)
        found[span.execution].append(span)
    return found


async def logs_by_executions(ids: Sequence[int], window: Window) -> dict[int, Page[LogRow]]:
    """A page of each execution's log lines, in the order they were written."""
    source = "SELECT * FROM execution_log x WHERE x.execution = p.id"
    return await pages_by_parent(source, [list(ids)], "execution", LOG_ORDER, window,
                                 make=LogRow.from_record)


async def spans_by_ids(ids: Sequence[int]) -> dict[int, SpanRow]:
    rows = await fetch("SELECT * FROM execution_span WHERE id = ANY($1::int[])", list(ids))
    return {int(row["id"]): SpanRow.from_record(row) for row in rows}


async def logs_by_ids(ids: Sequence[int]) -> dict[int, LogRow]:
    rows = await fetch("SELECT * FROM execution_log WHERE id = ANY($1::int[])", list(ids))
    return {int(row["id"]): LogRow.from_record(row) for row in rows}
