"""The worker's writes for one execution, fenced by its dispatch generation: spans (with
outputs capped in size), logs and node results, all through `domain.recording.record`.

Spans of instant nodes (a transform takes microseconds) are held back and written with the
journal's next write, or with the execution's end: a workflow of instant nodes costs two
commits, not two per node. If the worker dies first, those nodes simply run again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.recording import LogLine, SpanClose, SpanDone, SpanOpen, StatusChange, record
from domain.settings import get_settings

MAX_REUSABLE_BYTES = 1024 * 1024


def cap(output: Any, limit: int) -> tuple[Any, bool]:
    """The output, or a preview with a marker when its JSON exceeds `limit` bytes (Any:
    JSON)."""
    text = json.dumps(output, default=str)
    if len(text.encode()) <= limit:
        return output, False
    return {"truncated": True, "bytes": len(text.encode()), "preview": text[: limit // 2]}, True


def _kept(node_id: str | None, result: dict[str, Any] | None) -> dict[str, Any]:
    """A node result to keep on the execution for later attempts (Any: JSON), if small."""
    if node_id is None or result is None or cap(result, MAX_REUSABLE_BYTES)[1]:
        return {}
    return {node_id: result}


class Journal:
    def __init__(self, execution_id: int, generation: int) -> None:
        self.execution_id = execution_id
        self.generation = generation
        self._spans: list[SpanDone] = []
        self._outputs: dict[str, Any] = {}  # Any: JSON node results

    def take(self) -> tuple[list[SpanDone], dict[str, Any]]:
        """The held-back spans and results (for the write that ends the execution)."""
        spans, outputs = self._spans, self._outputs
        self._spans, self._outputs = [], {}
        return spans, outputs

    async def _record(self, **changes: Any) -> list[int]:
        """One fenced write with everything held back (Any: `record` keyword arguments);
        returns the ids of the spans it opened."""
        spans, outputs = self.take()
        outputs.update(changes.pop("outputs", None) or {})
        recorded = await record(self.execution_id, generation=self.generation,
                                done_spans=[*changes.pop("done_spans", ()), *spans],
                                outputs=outputs or None, **changes)
        return recorded.span_ids

    async def open(self, kind: str, parent_id: int | None, node_id: str | None = None,
                   attempt: int = 1, status: StatusChange | None = None) -> int:
        ids = await self._record(status=status,
                                 open_spans=[SpanOpen(kind, parent_id, node_id, attempt)])
        return ids[0]

    async def close(
        self,
        span_id: int,
        status: str,
        *,
        output: Any = None,
        error: str | None = None,
        node_id: str | None = None,
        logs: Sequence[tuple[str, str]] = (),
        result: dict[str, Any] | None = None,
        change: StatusChange | None = None,
    ) -> None:
        """Close a span with its logs; `result` ({"output", "outcome"}) is kept on the
        execution for later attempts when it is small enough (Any: JSON)."""
        capped, truncated = cap(output, get_settings().max_span_output_bytes)
        await self._record(
            status=change, close_spans=[SpanClose(span_id, status, capped, truncated, error)],
            logs=[LogLine(message, level, node_id, span_id) for level, message in logs],
            outputs=_kept(node_id, result))

    async def done(
        self,
        parent_id: int,
        node_id: str,
        attempt: int,
        started_at: datetime,
        status: str,
        *,
        output: Any = None,
        error: str | None = None,
        logs: Sequence[tuple[str, str]] = (),
        result: dict[str, Any] | None = None,
    ) -> None:
        """A node span that is already over: held back, unless it has log lines (which
        need its id at once)."""
        capped, truncated = cap(output, get_settings().max_span_output_bytes)
        span = SpanDone("node", parent_id, node_id, attempt, started_at, status, capped,
                        truncated, error)
        if not logs:
            self._spans.append(span)
            self._outputs.update(_kept(node_id, result))
            return
        ids = await self._record(done_spans=[span], outputs=_kept(node_id, result))
        await self._record(logs=[LogLine(message, level, node_id, ids[0])
                                 for level, message in logs])

    async def log(self, message: str, level: str = "info", span_id: int | None = None,
                  change: StatusChange | None = None) -> None:
        await self._record(status=change, logs=[LogLine(message, level, None, span_id)])
