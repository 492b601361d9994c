"""Sync runs of the git sync daemon: one row per run with its per-file results."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from domain.rows import SyncFileResultRow, SyncRunRow
from graphql_api.context import Info
from graphql_api.types.enums import enum_or
from graphql_api.types.ids import global_id
from graphql_api.types.node import Node
from graphql_api.types.pagination import CountedConnection
from graphql_api.types.scalars import JSON


@strawberry.enum
class SyncRunStatus(Enum):
    REQUESTED = "requested"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    REFUSED = "refused"
    ABORTED = "aborted"


@strawberry.enum
class SyncStatus(Enum):
    """A git-managed workflow's state after the last run that touched it."""

    SYNCED = "synced"
    FAILED = "failed"
    ERROR = "error"
    CONFLICT = "conflict"
    ORPHANED = "orphaned"
    PRUNED = "pruned"


def sync_status(value: object) -> SyncStatus | None:
    return None if value is None else enum_or(SyncStatus, value, SyncStatus.ERROR)


@strawberry.enum
class SyncAction(Enum):
    """What a sync run did (or planned) with one document."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    DEPLOY = "deploy"
    UNDEPLOY = "undeploy"
    ARCHIVE = "archive"
    PRUNE = "prune"
    CONFLICT = "conflict"
    SKIP = "skip"
    INVALID = "invalid"


@strawberry.enum
class SyncFileStatus(Enum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


@strawberry.type
class SyncFileResult:
    """One invalid document, change, conflict or skip of a run (unchanged files are counted,
    not listed)."""

    path: str
    kind: str | None = strawberry.field(description="The document's kind as written "
                                        "(Workflow, DataSource, ...), when it has one.")
    name: str | None
    action: SyncAction
    status: SyncFileStatus
    error: str | None
    line: int | None
    column: int | None

    @classmethod
    def from_row(cls, row: SyncFileResultRow) -> SyncFileResult:
        return cls(path=row.path, kind=row.kind, name=row.name,
                   action=enum_or(SyncAction, row.action, SyncAction.SKIP),
                   status=enum_or(SyncFileStatus, row.status, SyncFileStatus.FAILED),
                   error=row.error, line=row.line, column=row.column)


@strawberry.type
class SyncRun(Node):
    pk: strawberry.Private[int]
    repo: str
    branch: str
    commit: str | None
    status: SyncRunStatus
    dry_run: bool
    counts: JSON = strawberry.field(description="How many actions of each verb.")
    plan: JSON
    error: str | None
    started_at: datetime | None
    ended_at: datetime | None

    @strawberry.field
    async def files(self, info: Info) -> list[SyncFileResult]:
        rows = await info.context.loaders.file_results_by_sync_run.load(self.pk)
        return [SyncFileResult.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: SyncRunRow) -> SyncRun:
        return cls(
            id=global_id("SyncRun", row.id), pk=row.id, repo=row.repo, branch=row.branch,
            commit=row.commit, status=enum_or(SyncRunStatus, row.status, SyncRunStatus.FAILED),
            dry_run=row.dry_run, counts=JSON(row.counts or {}), plan=JSON(row.plan or []),
            error=row.error, started_at=row.started_at, ended_at=row.ended_at,
        )


@strawberry.type
class SyncRunConnection(CountedConnection[SyncRun]):
    pass
