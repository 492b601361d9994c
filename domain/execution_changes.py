"""What `domain.recording.record` writes: a new execution, a status change, spans (opened,
closed, or recorded already done) and log lines; and `Fenced`, raised to a writer whose
dispatch generation was replaced.

No time here comes from the writer's clock. Every timestamp is the database clock at the
write (`Recorded.at`); a writer says "so long after the write" (`Later`) or "so long before
it" (`SpanDone`'s ages, measured on its monotonic clock), never a wall-clock time of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.rows import FullExecutionRow, LockedExecutionRow
from telemetry.tracing import current_traceparent, new_trace_id


class Fenced(Exception):
    """The writer no longer holds the execution: its dispatch generation was replaced."""

    def __init__(self, execution_id: int, generation: int | None) -> None:
        super().__init__(
            f"execution {execution_id} is not held at dispatch generation {generation}"
        )


@dataclass(frozen=True)
class NewExecution:
    organization_id: int
    workflow_id: int
    trigger_type: str
    triggered_by: int | None
    input: Any  # Any: the JSON payload the execution was started with.
    workflow_version: int
    definition: dict[str, Any]  # Any: JSON snapshot of the definition.
    max_attempts: int
    queue_name: str
    idempotency_key: str | None = None
    retry_of: int | None = None
    retry_from: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)  # Any: reused node outputs.
    # The execution's own trace, and the span that started it (a request, a schedule fire),
    # which the trace links to (telemetry.tracing).
    trace_id: str = field(default_factory=new_trace_id)
    traceparent: str | None = field(default_factory=current_traceparent)


@dataclass(frozen=True)
class Later:
    """A time `seconds` after the write, on the database clock (a lease, a retry time)."""

    seconds: float


@dataclass(frozen=True)
class StatusChange:
    status: str
    error: str | None = None
    # Other execution columns to set with the change (attempt, lease_expires_at, ...); a
    # `Later` value becomes a database-clock time.
    fields: Mapping[str, Any] = field(default_factory=dict)  # Any: column values.


@dataclass(frozen=True)
class SpanOpen:
    kind: str
    parent_id: int | None = None
    node_id: str | None = None
    attempt: int = 1
    # Instead of parent_id: the index of a span opened earlier in the same `record` call.
    parent_opened: int | None = None


@dataclass(frozen=True)
class SpanDone:
    """A span recorded already finished, in one write (for nodes that take no time). Its
    start and end are given as ages: seconds before the write, so the database clock places
    them and the writer's own clock never does. `not_before` is the database time of the
    writer's previous write: a span held back past it cannot have started before it on the
    database's clock (the delay between the writer reading its clock and the database reading
    its own differs from write to write), so its start is moved up to it."""

    kind: str
    parent_id: int | None
    node_id: str | None
    attempt: int
    started_ago: float
    ended_ago: float
    status: str
    output: Any = None  # Any: the node's JSON output, already capped.
    output_truncated: bool = False
    error: str | None = None
    not_before: datetime | None = None


@dataclass(frozen=True)
class SpanClose:
    span_id: int
    status: str
    output: Any = None  # Any: the node's JSON output, already capped.
    output_truncated: bool = False
    error: str | None = None


@dataclass(frozen=True)
class LogLine:
    message: str
    level: str = "info"
    node_id: str | None = None
    span_id: int | None = None


@dataclass
class Recorded:
    # Every column after a creation, a full lock or a status change; a few otherwise.
    execution: FullExecutionRow | LockedExecutionRow
    at: datetime  # the database clock when the write took the execution's row lock
    span_ids: list[int] = field(default_factory=list)

    @property
    def full_row(self) -> FullExecutionRow:
        """The execution's every column, which a creation, a full lock and a status change
        read (a light lock reads only a few)."""
        if not isinstance(self.execution, FullExecutionRow):
            raise TypeError(f"execution {self.execution.id} was read with a light lock only")
        return self.execution
