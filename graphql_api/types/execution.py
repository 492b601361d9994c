"""Executions: the summary rows of lists and one execution with its span tree and logs."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import strawberry

from domain import reads
from graphql_api.context import Info
from graphql_api.types.enums import ExecutionStatus, TriggerType, enum_or
from graphql_api.types.scalars import JSON, to_id
from graphql_api.types.user import User

Row = dict[str, Any]  # Any: column values
MAX_LOGS = 1000


def _id(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


def _optional_id(value: object) -> strawberry.ID | None:
    return None if value is None else _id(value)


@strawberry.type
class ExecutionSummary:
    id: strawberry.ID
    workflow_id: strawberry.ID
    status: ExecutionStatus
    trigger_type: TriggerType
    triggered_by_id: strawberry.ID | None
    attempt: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    duration_ms: int | None

    @strawberry.field
    async def triggered_by(self, info: Info) -> User | None:
        if self.triggered_by_id is None:
            return None
        row = await info.context.loaders.user_by_id.load(int(self.triggered_by_id))
        return None if row is None else User.from_row(row)

    @classmethod
    def from_row(cls, row: Row, id_column: str = "execution") -> ExecutionSummary:
        return cls(
            id=_id(row[id_column]),
            workflow_id=_id(row["workflow"]),
            status=enum_or(ExecutionStatus, row["status"], ExecutionStatus.PENDING),
            trigger_type=enum_or(TriggerType, row["trigger_type"], TriggerType.MANUAL),
            triggered_by_id=_optional_id(row["triggered_by"]),
            attempt=int(row["attempt"]),
            error=row["error"],
            created_at=row["created_at"],
            started_at=row["started_at"],
            ended_at=row["ended_at"],
            duration_ms=row["duration_ms"],
        )


@strawberry.type
class Span:
    id: strawberry.ID
    kind: str
    node_id: str | None
    attempt: int
    status: str
    started_at: datetime
    ended_at: datetime | None
    duration_ms: int | None
    output: JSON | None
    output_truncated: bool
    error: str | None
    children: list[Span]


def span_tree(rows: list[Row]) -> list[Span]:
    """Root spans with their children nested, each level in start order."""
    children: dict[int | None, list[Row]] = defaultdict(list)
    for row in rows:
        children[row["parent"]].append(row)

    def build(row: Row) -> Span:
        return Span(
            id=_id(row["id"]), kind=row["kind"], node_id=row["node_id"],
            attempt=int(row["attempt"]), status=row["status"], started_at=row["started_at"],
            ended_at=row["ended_at"], duration_ms=row["duration_ms"], output=row["output"],
            output_truncated=bool(row["output_truncated"]), error=row["error"],
            children=[build(child) for child in children[row["id"]]],
        )

    return [build(row) for row in children[None]]


@strawberry.type
class LogLine:
    id: strawberry.ID
    node_id: str | None
    level: str
    message: str
    created_at: datetime


@strawberry.type
class NodeOutput:
    node_id: str
    output: JSON | None


@strawberry.type
class Execution(ExecutionSummary):
    input: JSON
    outputs: JSON
    workflow_version: int
    max_attempts: int
    cancel_requested: bool
    retry_of_id: strawberry.ID | None
    retry_from: str | None

    @strawberry.field
    async def spans(self) -> list[Span]:
        """The span tree: execution, attempts, nodes."""
        return span_tree(await reads.spans_of(int(self.id)))

    @strawberry.field
    async def logs(self, first: int = 200, after_id: strawberry.ID | None = None) -> list[LogLine]:
        after = (to_id(after_id) or 0) if after_id is not None else 0
        rows = await reads.logs_of(
            int(self.id), after_id=after, limit=max(0, min(first, MAX_LOGS))
        )
        return [
            LogLine(id=_id(r["id"]), node_id=r["node_id"], level=r["level"],
                    message=r["message"], created_at=r["created_at"])
            for r in rows
        ]

    @strawberry.field
    def node_outputs(self) -> list[NodeOutput]:
        outputs = self.outputs if isinstance(self.outputs, dict) else {}
        return [NodeOutput(node_id=str(k), output=v) for k, v in outputs.items()]

    @classmethod
    def from_execution_row(cls, row: Row) -> Execution:
        summary = ExecutionSummary.from_row(row, id_column="id")
        return cls(
            **vars(summary),
            input=row["input"], outputs=row["outputs"],
            workflow_version=int(row["workflow_version"]),
            max_attempts=int(row["max_attempts"]),
            cancel_requested=bool(row["cancel_requested"]),
            retry_of_id=_optional_id(row["retry_of"]), retry_from=row["retry_from"],
        )
