"""GraphQL types of the subscriptions: the items they stream, built from logged events.

`kind` says what changed: `snapshot` (the current state, first item without `after`),
`status`, `span`, `log`, `execution` (a new execution of a workflow), `workflow` (status,
version, deployment or sync change), or `lagged` (the client fell behind; the subscription
ends and `cursor` is the last one it received: resubscribe with `after: cursor`).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from domain.event_log import LoggedEvent, log_messages


@strawberry.type(description="An execution's state as of an event.")
class LiveExecution:
    id: strawberry.ID
    workflow_id: strawberry.ID
    status: str
    attempt: int
    error: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LiveExecution:  # Any: column values
        return cls(id=strawberry.ID(str(row["id"])),
                   workflow_id=strawberry.ID(str(row["workflow"])), status=row["status"],
                   attempt=int(row["attempt"]), error=row["error"])

    @classmethod
    def from_event(cls, event: LoggedEvent) -> LiveExecution:
        payload = event.payload
        return cls(id=strawberry.ID(str(payload.get("executionId", event.execution_id))),
                   workflow_id=strawberry.ID(str(event.workflow_id)),
                   status=str(payload.get("status", "")), attempt=int(payload.get("attempt") or 0),
                   error=payload.get("error"))


@strawberry.type(description="A span that started or ended (execution, attempt or node).")
class LiveSpan:
    id: strawberry.ID
    kind: str
    node_id: str | None
    status: str


class _LogMessages:
    """Messages of recently announced log lines, loaded once for all subscribers."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        # Keyed by (log id, event time): ids restart only when tables are truncated (tests).
        self.loaded: OrderedDict[tuple[int, datetime], asyncio.Future[str]] = OrderedDict()

    async def get(self, log_id: int, at: datetime) -> str:
        future = self.loaded.get((log_id, at))
        if future is None:
            future = asyncio.ensure_future(self._load(log_id))
            self.loaded[(log_id, at)] = future
            while len(self.loaded) > self.size:
                self.loaded.popitem(last=False)
        return await asyncio.shield(future)

    async def _load(self, log_id: int) -> str:
        return (await log_messages([log_id])).get(log_id, "")


_messages = _LogMessages()


@strawberry.type(description="A log line of an execution.")
class LiveLog:
    id: strawberry.ID
    level: str
    node_id: str | None
    logged_at: strawberry.Private[datetime]

    @strawberry.field
    async def message(self) -> str:
        return await _messages.get(int(self.id), self.logged_at)


@strawberry.type
class ExecutionEvent:
    cursor: str
    kind: str
    execution: LiveExecution | None = None
    span: LiveSpan | None = None
    log: LiveLog | None = None

    @classmethod
    def from_event(cls, event: LoggedEvent) -> ExecutionEvent:
        item = cls(cursor=str(event.seq), kind=event.kind)
        payload = event.payload
        if event.kind == "status":
            item.execution = LiveExecution.from_event(event)
        elif event.kind == "span":
            item.span = LiveSpan(id=strawberry.ID(str(payload["spanId"])),
                                 kind=str(payload.get("kind", "")),
                                 node_id=payload.get("nodeId"),
                                 status=str(payload.get("status", "")))
        elif event.kind == "log":
            item.log = LiveLog(id=strawberry.ID(str(payload["logId"])),
                               level=str(payload.get("level", "info")),
                               node_id=payload.get("nodeId"), logged_at=event.created_at)
        return item


@strawberry.type
class WorkflowExecutionEvent:
    cursor: str
    kind: str
    execution: LiveExecution | None = None


@strawberry.type(description="A workflow's current state.")
class LiveWorkflow:
    id: strawberry.ID
    name: str
    status: str
    version: int
    deployment_phase: str | None
    deployment_error: str | None
    sync_status: str | None
    sync_error: str | None
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LiveWorkflow:  # Any: column values
        return cls(id=strawberry.ID(str(row["id"])), name=row["name"], status=row["status"],
                   version=int(row["version"]), deployment_phase=row["deployment_phase"],
                   deployment_error=row["deployment_error"], sync_status=row["sync_status"],
                   sync_error=row["sync_error"], updated_at=row["updated_at"])


@strawberry.type
class WorkflowEvent:
    cursor: str
    kind: str
    change: JSON | None = None
    workflow: LiveWorkflow | None = None
