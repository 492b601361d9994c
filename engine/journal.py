"""The worker's writes for one execution, fenced by its dispatch generation: spans (with
outputs capped in size), logs and node results, all through `domain.recording.record`.

Spans of instant nodes (a transform takes microseconds) are held back and written with the
journal's next write, or with the execution's end: a workflow of instant nodes costs two
commits, not two per node. If the worker dies first, those nodes simply run again. A held
span keeps its start and end on the worker's monotonic clock only; the write turns them into
ages, which the database places on its own clock.

Writes of one execution are serialised in the worker (parallel branches share the journal):
a held span is placed on the database clock of the write that takes it, so that write must
reach the database before any later write, or a successor opened by a write that overtook it
would start before its predecessor ended.

Every write masks the run's resolved secret values (`hide`) in its text: errors, logs and
outputs never carry them. Every write also reads whether a cancel was requested: the run stops there
(`CancelRequested`), so a cancel takes effect at the next node boundary at the latest.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.recording import (
    Change,
    LogLine,
    Outputs,
    SpanClose,
    SpanDone,
    SpanOpen,
    StatusChange,
    record,
)
from domain.services import mask
from domain.settings import get_settings

MAX_REUSABLE_BYTES = 1024 * 1024


class CancelRequested(Exception):
    """A write found the execution's cancel request: stop the run."""


@dataclass(frozen=True)
class _Held:
    """An instant node's span, waiting for the next write; times on the monotonic clock."""

    parent_id: int
    node_id: str
    attempt: int
    started: float
    ended: float
    status: str
    output: Any  # Any: the node's JSON output, already capped.
    output_truncated: bool
    error: str | None

    def done(self, now: float, not_before: datetime | None) -> SpanDone:
        return SpanDone("node", self.parent_id, self.node_id, self.attempt, now - self.started,
                        now - self.ended, self.status, self.output, self.output_truncated,
                        self.error, not_before)


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
        self._held: list[_Held] = []
        self._outputs: dict[str, Any] = {}  # Any: JSON node results
        self._writing = asyncio.Lock()  # one write at a time, in the order they take
        self._last_write: datetime | None = None  # the database time of the last write
        self._secrets: tuple[str, ...] = ()
        self._open: list[int] = []  # spans opened here and not closed yet

    def hide(self, values: Iterable[str]) -> None:
        """Mask these resolved secret values in everything written from now on."""
        self._secrets = tuple(sorted({v for v in values if v}, key=len, reverse=True))

    def masked(self, value: Any) -> Any:
        """`value` with the hidden secrets masked, inside records and containers too (Any:
        what a write carries: strings, JSON, recording dataclasses)."""
        if not self._secrets:
            return value
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.replace(value, **{
                f.name: self.masked(getattr(value, f.name))
                for f in dataclasses.fields(value) if f.init})
        if isinstance(value, list | tuple):
            return type(value)(self.masked(item) for item in value)
        if isinstance(value, dict):
            return {k: self.masked(v) for k, v in value.items()}
        return mask(value, self._secrets)

    def take(self) -> tuple[list[SpanDone], dict[str, Any]]:
        """The held-back spans and results (for the write that ends the execution), masked."""
        now = time.monotonic()
        spans = [held.done(now, self._last_write) for held in self._held]
        outputs = self._outputs
        self._held, self._outputs = [], {}
        return self.masked(spans), self.masked(outputs)

    async def _record(self, *changes: Change | None) -> list[int]:
        """One fenced write of `changes` (None: nothing) with everything held back; returns
        the ids of the spans it opened. Raises CancelRequested after the write when the
        execution's cancel was requested."""
        async with self._writing:
            spans, outputs = self.take()
            given = self.masked(tuple(c for c in changes if c is not None))
            recorded = await record(self.execution_id, *spans, Outputs(outputs), *given,
                                    generation=self.generation)
            self._last_write = recorded.at
        if recorded.execution.cancel_requested:
            raise CancelRequested(f"execution {self.execution_id}: cancel requested")
        return recorded.span_ids

    async def open(self, kind: str, parent_id: int | None, node_id: str | None = None,
                   attempt: int = 1, status: StatusChange | None = None) -> int:
        ids = await self._record(status, SpanOpen(kind, parent_id, node_id, attempt))
        self._open.append(ids[0])
        return ids[0]

    def still_open(self) -> list[int]:
        """The spans this journal opened and has not closed, newest first."""
        return self._open[::-1]

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
        truncated: bool = False,
        change: StatusChange | None = None,
    ) -> None:
        """Close a span with its logs; `result` ({"output", "outcome"}) is kept on the
        execution for later attempts when it is small enough (Any: JSON)."""
        capped, cut = cap(output, get_settings().max_span_output_bytes)
        truncated = truncated or cut  # the node itself may have cut its output short
        await self._record(
            change, SpanClose(span_id, status, capped, truncated, error),
            *(LogLine(message, level, node_id, span_id) for level, message in logs),
            Outputs(_kept(node_id, result)))
        if span_id in self._open:
            self._open.remove(span_id)

    async def done(
        self,
        parent_id: int,
        node_id: str,
        attempt: int,
        started: float,
        status: str,
        *,
        output: Any = None,
        error: str | None = None,
        logs: Sequence[tuple[str, str]] = (),
        result: dict[str, Any] | None = None,
        truncated: bool = False,
    ) -> None:
        """A node span that is already over (`started` on the monotonic clock): held back,
        unless it has log lines (which need its id at once)."""
        capped, cut = cap(output, get_settings().max_span_output_bytes)
        truncated = truncated or cut  # the node itself may have cut its output short
        held = _Held(parent_id, node_id, attempt, started, time.monotonic(), status, capped,
                     truncated, error)
        self._held.append(held)
        self._outputs.update(_kept(node_id, result))
        if not logs:
            return
        ids = await self._record()  # this span is the last one held, so the last id
        await self._record(*(LogLine(message, level, node_id, ids[-1])
                             for level, message in logs))

    async def lines(self, span_id: int, node_id: str, lines: Sequence[tuple[str, str]]) -> None:
        """Log lines (level, message) of a node that is still running, in one write."""
        await self._record(*(LogLine(message, level, node_id, span_id)
                             for level, message in lines))

    async def log(self, message: str, level: str = "info", span_id: int | None = None,
                  change: StatusChange | None = None) -> None:
        await self._record(change, LogLine(message, level, None, span_id))
