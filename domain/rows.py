"""Typed rows: what the domain reads from its tables, one frozen class per kind of row, so that
mypy checks every column a caller reads.

A row is built once from what PostgreSQL returned, in one of two ways, never both:
- `from_record` takes a raw asyncpg record (or the dict of one), whose JSON columns are still
  text, and decodes them;
- `from_columns` takes values that are already decoded (a row read back from an event
  payload, or built in memory); decoding again would turn a JSON string input such as "42"
  into the number 42.

Columns a class does not declare are ignored, so `SELECT *` keeps working when a migration adds
one; a declared column that is missing is an error naming the class and the column.
`tests/domain/test_rows.py` checks every class against the migrated schema. Change a row with
`dataclasses.replace`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import (
    Annotated,
    Any,
    ClassVar,
    Literal,
    Self,
    TypeAlias,
    TypeVar,
    cast,
    dataclass_transform,
    get_type_hints,
)

# Any below: JSON values (the JSONB columns) and the column values of records.


_JSON = "jsonb"
T = TypeVar("T")
Json: TypeAlias = Annotated[T, _JSON]  # a JSONB column: `from_record` decodes it


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


class Row:
    """The base of every row class (each a frozen slots dataclass)."""

    __slots__ = ()
    # The table the class reads, and whether it declares all of that table's columns (the
    # schema test holds it to that) or a chosen part of them.
    TABLE: ClassVar[str]
    WHOLE: ClassVar[bool] = True
    _columns: ClassVar[tuple[str, ...]]
    _json: ClassVar[tuple[bool, ...]]
    # (column, is JSON, its slot's setter): the constructors fill the slots directly, as a
    # frozen dataclass's __init__ would (through object.__setattr__, at twice the cost).
    _fill: ClassVar[tuple[tuple[str, bool, Callable[[Any, Any], None]], ...]]

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """The column names the class declares, in its field order."""
        return cls._columns

    @classmethod
    def json_columns(cls) -> tuple[str, ...]:
        """The JSONB columns among them (the ones `from_record` decodes)."""
        return tuple(name for name, is_json in zip(cls._columns, cls._json, strict=True) if is_json)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Self:
        """The row of a raw record: JSON columns are decoded."""
        row = object.__new__(cls)
        try:
            for name, is_json, fill in cls._fill:
                fill(row, _loads(record[name]) if is_json else record[name])
        except KeyError as missing:
            raise KeyError(f"{cls.__name__} needs the column {missing.args[0]!r}") from None
        return row

    @classmethod
    def from_columns(cls, values: Mapping[str, Any]) -> Self:
        """The row of values that are already decoded."""
        row = object.__new__(cls)
        try:
            for name, _, fill in cls._fill:
                fill(row, values[name])
        except KeyError as missing:
            raise KeyError(f"{cls.__name__} needs the column {missing.args[0]!r}") from None
        return row

    def as_dict(self) -> dict[str, Any]:
        """The row's columns by name (for JSON payloads and templates)."""
        return {name: getattr(self, name) for name in self._columns}


R = TypeVar("R", bound=Row)


@dataclass_transform(frozen_default=True)
def _row(table: str, *, whole: bool = True) -> Callable[[type[R]], type[R]]:
    """Make a class a row of `table`: a frozen slots dataclass that knows its columns."""

    def make(cls: type[R]) -> type[R]:
        made = dataclass(frozen=True, slots=True)(cls)
        hints = get_type_hints(made, include_extras=True)
        declared = [f.name for f in fields(cast(Any, made))]
        made.TABLE = table
        made.WHOLE = whole
        made._columns = tuple(declared)
        made._json = tuple(_JSON in getattr(hints[name], "__metadata__", ()) for name in declared)
        made._fill = tuple((name, is_json, getattr(made, name).__set__)
                           for name, is_json in zip(made._columns, made._json, strict=True))
        return made

    return make


# -- workflows -------------------------------------------------------------------------------


@_row("workflow")
class WorkflowRow(Row):
    id: int
    organization: int
    name: str
    description: str
    status: str  # draft | active | paused | archived
    version: int
    owner: int
    is_public: bool
    is_template: bool
    template: int | None
    cloned_from: int | None
    tags: list[str]
    nodes: Json[list[dict[str, Any]]]
    connections: Json[list[dict[str, Any]]]
    settings: Json[dict[str, Any]]
    trigger: Json[dict[str, Any]]
    deployment_settings: Json[dict[str, Any] | None]
    event_seq: int
    webhook_token: str | None
    deployment_environment_id: str | None
    deployment_cpu: float | None
    deployment_memory: str | None
    deployment_disk: str | None
    deployment_gpu: int | None
    deployment_gpu_type: str | None
    deployment_namespace: str | None
    deployment_name: str | None
    deployment_pod_name: str | None
    deployment_phase: str | None
    deployment_error: str | None
    deployment_reason: str | None
    deployed_at: datetime | None
    deployment_phase_changed_at: datetime | None
    deployment_fingerprint: str | None
    deployment_autoscale_min: int | None
    deployment_autoscale_max: int | None
    managed_by: str  # api | git
    source_path: str | None
    source_commit: str | None
    content_hash: str | None
    sync_status: str | None
    sync_error: str | None
    created_at: datetime
    updated_at: datetime


@_row("workflow_revision", whole=False)
class RevisionRow(Row):
    """A revision, with the definition of the one before it (None for the first)."""

    id: int
    workflow: int
    version: int
    definition: Json[dict[str, Any]]
    author: int | None
    source: str
    source_commit: str | None
    created_at: datetime
    previous_definition: Json[dict[str, Any] | None]


@_row("workflow")
class SyncWorkflowRow(WorkflowRow):
    """A workflow as a git sync compares it: with its owner's and sharers' handles."""

    owner_handle: str
    shared_handles: list[str] | None


@_row("workflow", whole=False)
class DeployedWorkflowRow(Row):
    """What the deployment watcher reads of a deployed workflow, with the seconds it has
    spent in its phase (on the database clock; None before its first phase)."""

    id: int
    organization: int
    deployment_namespace: str | None
    deployment_name: str | None
    deployed_at: datetime | None
    deployment_phase: Literal["PROGRESSING", "AVAILABLE", "FAILED"] | None  # deploy.model.Phase
    deployment_pod_name: str | None
    deployment_error: str | None
    deployment_reason: str | None
    deployment_autoscale_max: int | None
    phase_seconds: Decimal | None


@_row("workflow", whole=False)
class ScheduledWorkflowRow(Row):
    """An active workflow with a schedule trigger: when it last fired and became active."""

    id: int
    trigger: Json[dict[str, Any]]
    last_fired: datetime | None
    active_since: datetime | None


# -- executions ------------------------------------------------------------------------------


@_row("execution", whole=False)
class ExecutionRow(Row):
    """An execution as the API shows it: every column but the engine's bookkeeping and the
    definition snapshot."""

    id: int
    organization: int
    workflow: int
    status: str  # pending | running | completed | failed | cancelled
    trigger_type: str
    triggered_by: int | None
    input: Json[dict[str, Any]]
    workflow_version: int
    attempt: int
    max_attempts: int
    cancel_requested: bool
    error: str | None
    outputs: Json[dict[str, Any]]
    retry_of: int | None
    retry_from: str | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    duration_ms: int | None


@_row("execution")
class FullExecutionRow(ExecutionRow):
    """Every column of an execution: what the engine and the recorder work with."""

    definition: Json[dict[str, Any]]
    dispatch_generation: int
    queue_name: str
    dispatched_at: datetime | None
    worker_id: str | None
    lease_expires_at: datetime | None
    next_attempt_at: datetime | None
    idempotency_key: str | None
    event_seq: int
    event_ftx: int
    trace_id: str | None
    traceparent: str | None


@_row("execution_summary")
class ExecutionSummaryRow(Row):
    """A line of the fast execution list."""

    id: int
    execution: int
    organization: int
    workflow: int
    status: str
    trigger_type: str
    triggered_by: int | None
    attempt: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    duration_ms: int | None


@_row("execution_span")
class SpanRow(Row):
    """A span of an execution's tree: execution -> attempt -> node."""

    id: int
    execution: int
    parent: int | None
    kind: str  # execution | attempt | node
    node_id: str | None
    attempt: int
    status: str
    started_at: datetime
    ended_at: datetime | None
    duration_ms: int | None
    output: Json[Any]  # a node's JSON result
    output_truncated: bool
    error: str | None


@_row("execution_log")
class LogRow(Row):
    id: int
    execution: int
    span: int | None
    node_id: str | None
    level: str
    message: str
    created_at: datetime


@_row("execution", whole=False)
class LockedExecutionRow(Row):
    """What a light lock of an execution reads (domain.recording): enough to fence a write
    and to decide what to write."""

    id: int
    organization: int
    workflow: int
    status: str
    error: str | None
    attempt: int
    dispatch_generation: int
    cancel_requested: bool


@_row("execution", whole=False)
class DispatchedRow(Row):
    """An execution given a new dispatch generation: what its job is enqueued with
    (domain.concurrency, domain.leases)."""

    id: int
    organization: int
    dispatch_generation: int
    queue_name: str
    dispatched_at: datetime | None  # set by the dispatch that returned it


@_row("execution", whole=False)
class SweptRow(Row):
    """An unfinished execution as a sweep weighs it (domain.sweeps), with two computed
    columns."""

    id: int
    organization: int
    status: str
    dispatch_generation: int
    queue_name: str
    cancel_requested: bool
    attempt: int
    leased: bool  # it has a lease, live or expired
    retry_due: bool | None  # dispatched before its next attempt's due time (None: no retry)


# -- resources -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResourceRow(Row):
    """What every resource kind's row has; each kind's class adds its own columns."""

    id: int
    organization: int
    name: str
    managed_by: str
    source_path: str | None
    created_at: datetime
    updated_at: datetime


@_row("environment")
class EnvironmentRow(ResourceRow):
    description: str
    image: str | None
    dockerfile: str | None
    base_image: str | None
    python: Json[dict[str, Any] | None]  # {version?, packages}
    build_status: str  # none | building | ready | failed
    build_error: str | None
    built_image: str | None
    build_log: str | None
    node_types: Json[list[str] | None]  # plugin node types its image provides
    event_seq: int


@_row("data_source")
class DataSourceRow(ResourceRow):
    type: str
    config: Json[dict[str, Any]]
    secret_ref: Json[dict[str, Any] | None]


@_row("add_on")
class AddOnRow(ResourceRow):
    type: str
    endpoint: str
    config: Json[dict[str, Any]]
    secret_ref: Json[dict[str, Any] | None]


@_row("ai_model")
class ModelRow(ResourceRow):
    provider: str
    model: str
    base_url: str | None
    config: Json[dict[str, Any]]
    secret_ref: Json[dict[str, Any] | None]


# -- accounts --------------------------------------------------------------------------------


@_row("organization")
class OrganizationRow(Row):
    id: int
    slug: str
    name: str
    allow_git_overrides: bool  # API edits may override git-managed workflows
    max_connections_per_user: int
    max_subscriptions_per_connection: int
    created_at: datetime


@_row("app_user")
class UserRow(Row):
    id: int
    handle: str
    display_name: str
    email: str
    is_service: bool  # a service principal (an organization's git sync): cannot log in
    created_at: datetime


@_row("api_token", whole=False)
class ApiTokenRow(Row):
    """A token as its owner lists it: never its hash."""

    id: int
    organization: int | None  # the organization it is scoped to, None for any of the user's
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


@_row("membership", whole=False)
class MemberRow(Row):
    """A membership of an organization with its user's columns (domain.memberships)."""

    id: int
    user: int
    role: str  # admin | member
    created_at: datetime
    handle: str
    display_name: str
    email: str
    is_service: bool


@_row("secret", whole=False)
class SecretRow(Row):
    """A secret as every member may list it: never its ciphertext."""

    id: int
    organization: int
    name: str
    set_by: int | None  # None: set by an operator, or by a user since deleted
    set_at: datetime
    version: int


# -- git sync --------------------------------------------------------------------------------


@_row("sync_run")
class SyncRunRow(Row):
    id: int
    organization: int
    repo: str
    branch: str
    commit: str | None
    status: str  # requested | running | succeeded | partial | failed | refused | aborted
    dry_run: bool
    counts: Json[dict[str, int]]  # how many actions of each verb
    plan: Json[list[dict[str, Any]]]
    error: str | None
    started_at: datetime
    ended_at: datetime | None


@_row("sync_file_result")
class SyncFileResultRow(Row):
    id: int
    sync_run: int
    path: str
    kind: str | None
    name: str | None
    action: str
    status: str  # ok | failed | skipped
    error: str | None
    line: int | None
    column: int | None


ROW_CLASSES: tuple[type[Row], ...] = (
    SyncWorkflowRow, DeployedWorkflowRow, ScheduledWorkflowRow,
    WorkflowRow, RevisionRow, ExecutionRow, FullExecutionRow, ExecutionSummaryRow, SpanRow,
    LogRow, LockedExecutionRow, DispatchedRow, SweptRow,
    EnvironmentRow, DataSourceRow, AddOnRow, ModelRow,
    OrganizationRow, UserRow, ApiTokenRow, MemberRow, SecretRow, SyncRunRow, SyncFileResultRow,
)
