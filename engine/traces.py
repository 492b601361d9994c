"""Exporting an ended execution's span tree as one OpenTelemetry trace (telemetry.tracing),
from the rows, after the execution's last write: it costs the run nothing, and a failure to
read or export is logged, never raised into the run."""

from __future__ import annotations

import asyncio
import logging

from domain.executions import load_workflow
from domain.reads import spans_by_executions
from domain.rows import FullExecutionRow
from telemetry.tracing import export_execution, traceparent, tracing_enabled

log = logging.getLogger(__name__)
_exports: set[asyncio.Task[None]] = set()


def node_headers(trace_id: str | None, span_id: int | None) -> dict[str, str]:
    """The `traceparent` a node sends to the services it calls, when traces are on."""
    if not tracing_enabled() or not trace_id or span_id is None:
        return {}
    return {"traceparent": traceparent(trace_id, span_id)}


def export_soon(row: FullExecutionRow) -> None:
    """Export the execution of `row` in the background."""
    if not tracing_enabled() or not row.trace_id:
        return
    task = asyncio.get_running_loop().create_task(_export(row))
    _exports.add(task)
    task.add_done_callback(_exports.discard)


async def _export(row: FullExecutionRow) -> None:
    try:
        spans = (await spans_by_executions([row.id])).get(row.id, [])
        workflow = await load_workflow(row.workflow)
        # telemetry reads mappings: it sits below domain and knows no row classes.
        export_execution({**row.as_dict(), "workflow_name": workflow.name},
                         [span.as_dict() for span in sorted(spans, key=lambda span: span.id)])
    except Exception:  # observability must never take an execution down with it
        log.warning("could not export the trace of execution %s", row.id, exc_info=True)

