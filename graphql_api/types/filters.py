"""Filter inputs shared by queries and subscriptions."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime

import strawberry

from domain import reads
from graphql_api.types.enums import ExecutionStatus, TriggerType
from graphql_api.types.ids import InvalidArgument, decode_id
from graphql_api.types.pagination import BadArgument


@strawberry.input(description="Executions matching every field given.")
class ExecutionFilter:
    workflow_id: strawberry.ID | None = None
    status: ExecutionStatus | None = None
    trigger_type: TriggerType | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None
    triggered_by: strawberry.ID | None = strawberry.field(
        default=None, description="The id of the user who started them.")

    def to_domain(self, field: str = "filter") -> reads.ExecutionFilter:
        """The domain filter (InvalidArgument for an id that names no workflow or user)."""
        return reads.ExecutionFilter(
            workflow_id=None if self.workflow_id is None else decode_id(
                self.workflow_id, "Workflow", f"{field}.workflowId"),
            status=None if self.status is None else self.status.value,
            trigger_type=None if self.trigger_type is None else self.trigger_type.value,
            started_after=self.started_after, started_before=self.started_before,
            triggered_by=None if self.triggered_by is None else decode_id(
                self.triggered_by, "User", f"{field}.triggeredBy"),
        )


@contextlib.contextmanager
def bad_arguments() -> Iterator[None]:
    """Ids in the arguments of a field that returns no union are field errors."""
    try:
        yield
    except InvalidArgument as exc:
        raise BadArgument(exc.field, str(exc).removeprefix(f"{exc.field}: ")) from None
