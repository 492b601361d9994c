"""Sync runs and the sync columns of the rows git manages: recording (for the sync daemon) and
reading (for the API's syncRuns / syncRun / syncNow). Owned by the sync area.

A run row is written when it starts and finished in the daemon's `finally`, with its counts,
its plan and one file result per change, error, conflict or skip. `request_sync` is the
`syncNow` door: it queues a `requested` run that the organization's daemon picks up on its
next tick. Workflow sync status changes are announced as `workflow` events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from db.engine import engine
from domain._sql import dumps, fetch, fetch_one
from domain.events import NewEvent, append_each
from domain.pages import Order, Page, Window, keyset
from domain.resources import TABLES
from domain.rows import SyncFileResultRow, SyncRunRow

RUN_STATUSES = ("requested", "running", "succeeded", "partial", "failed", "refused", "aborted")


@dataclass(frozen=True)
class FileResult:
    path: str
    action: str
    status: str  # ok | failed | skipped
    kind: str | None = None
    name: str | None = None
    error: str | None = None
    line: int | None = None
    column: int | None = None


async def start_run(
    organization_id: int, repo: str, branch: str, *, dry_run: bool = False
) -> int:
    """A `running` run; takes over the oldest `requested` one (syncNow) when there is one."""
    claimed = await fetch_one(
        "UPDATE sync_run SET status = 'running', repo = $2, branch = $3, started_at = now()"
        " WHERE id = (SELECT id FROM sync_run WHERE organization = $1 AND status = 'requested'"
        "  ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) AND NOT $4 RETURNING id",
        organization_id, repo, branch, dry_run,
    )
    if claimed is not None:
        return int(claimed["id"])
    row = await fetch_one(
        "INSERT INTO sync_run (organization, repo, branch, status, dry_run, counts, plan,"
        " started_at) VALUES ($1, $2, $3, 'running', $4, '{}', '[]', now()) RETURNING id",
        organization_id, repo, branch, dry_run,
    )
    assert row is not None  # INSERT ... RETURNING
    return int(row["id"])


async def finish_run(
    run_id: int,
    *,
    status: str,
    commit: str | None,
    counts: dict[str, int],
    plan: list[dict[str, Any]],
    files: Sequence[FileResult],
    error: str | None = None,
) -> None:
    """Close a run with its outcome and file results (Any: the plan as JSON)."""
    async with engine().transaction():
        await fetch(
            "UPDATE sync_run SET status = $2, commit = $3, counts = $4::jsonb, plan = $5::jsonb,"
            " error = $6, ended_at = now() WHERE id = $1",
            run_id, status, commit, dumps(counts), dumps(plan), error,
        )
        if files:
            await _insert_files(run_id, files)


async def _insert_files(run_id: int, files: Sequence[FileResult]) -> None:
    columns = ("path", "kind", "name", "action", "status", "error", "line", "column")
    await fetch(
        'INSERT INTO sync_file_result (sync_run, path, kind, name, action, status, error, line,'
        ' "column") SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[],'
        " $6::text[], $7::text[], $8::int[], $9::int[])",
        run_id, *([getattr(f, c) for f in files] for c in columns),
    )


async def abort_stale_runs(organization_id: int, repo: str) -> int:
    """Mark runs left `running` by a killed daemon as aborted (call while holding the lock)."""
    rows = await fetch(
        "UPDATE sync_run SET status = 'aborted', ended_at = now(),"
        " error = 'the sync process stopped during this run; a later run converges'"
        " WHERE organization = $1 AND repo = $2 AND status = 'running' RETURNING id",
        organization_id, repo,
    )
    return len(rows)


async def last_run(organization_id: int, repo: str) -> SyncRunRow | None:
    """The latest finished, non-dry run for a repository."""
    row = await fetch_one(
        "SELECT * FROM sync_run WHERE organization = $1 AND repo = $2 AND NOT dry_run"
        " AND ended_at IS NOT NULL ORDER BY id DESC LIMIT 1",
        organization_id, repo,
    )
    return None if row is None else SyncRunRow.from_record(row)


async def has_requested_run(organization_id: int) -> bool:
    row = await fetch_one(
        "SELECT 1 FROM sync_run WHERE organization = $1 AND status = 'requested' LIMIT 1",
        organization_id,
    )
    return row is not None


async def request_sync(organization_id: int) -> SyncRunRow:
    """syncNow: queue a run for the organization's daemon (one queued run at most)."""
    row = await fetch_one(
        "SELECT * FROM sync_run WHERE organization = $1 AND status = 'requested'"
        " ORDER BY id LIMIT 1",
        organization_id,
    )
    if row is None:
        row = await fetch_one(
            "INSERT INTO sync_run (organization, repo, branch, status, counts, plan, started_at)"
            " VALUES ($1, '', '', 'requested', '{}', '[]', now()) RETURNING *",
            organization_id,
        )
    assert row is not None  # found or inserted
    return SyncRunRow.from_record(row)


async def set_sync_statuses(
    organization_id: int, statuses: Sequence[tuple[int, str, str | None]]
) -> int:
    """Set (workflow id, sync status, sync error) where they changed; announce each change."""
    if not statuses:
        return 0
    async with engine().transaction():
        changed = await fetch(
            "UPDATE workflow w SET sync_status = s.status, sync_error = s.error"
            " FROM unnest($2::int[], $3::text[], $4::text[]) AS s(id, status, error)"
            " WHERE w.id = s.id AND w.organization = $1 AND (w.sync_status IS DISTINCT FROM"
            " s.status OR w.sync_error IS DISTINCT FROM s.error) RETURNING w.id, s.status, s.error",
            organization_id, *(list(column) for column in zip(*statuses, strict=True)),
        )
        await append_each("workflow", [
            (int(row["id"]), NewEvent("workflow", {"workflowId": int(row["id"]),
                                                   "syncStatus": row["status"],
                                                   "syncError": row["error"]}))
            for row in changed])
    return len(changed)


async def mark_git_managed(table: str, resource_id: int, source_path: str) -> None:
    """Mark a resource row (environment, data_source, add_on, ai_model) as synced from git."""
    if table not in TABLES:
        raise ValueError(f"{table} is not a resource table")
    await fetch(
        f"UPDATE {table} SET managed_by = 'git', source_path = $2 WHERE id = $1",
        resource_id, source_path,
    )


# Reads for the API (syncRuns, syncRun): newest first, keyset pagination by id.


NEWEST_FIRST = Order(("t.id",), descending=True)


async def list_sync_runs(organization_id: int, window: Window) -> Page[SyncRunRow]:
    args: list[Any] = [organization_id]
    conditions, ordering = keyset(NEWEST_FIRST, window, args)
    rows = await fetch(f"SELECT * FROM sync_run t WHERE organization = $1{conditions}{ordering}",
                       *args)
    return Page.of([SyncRunRow.from_record(row) for row in rows], window)


async def count_sync_runs(organization_id: int) -> int:
    row = await fetch_one("SELECT count(*) AS n FROM sync_run WHERE organization = $1",
                          organization_id)
    return 0 if row is None else int(row["n"])


async def get_sync_run(organization_id: int, run_id: int) -> SyncRunRow | None:
    row = await fetch_one(
        "SELECT * FROM sync_run WHERE id = $1 AND organization = $2", run_id, organization_id
    )
    return None if row is None else SyncRunRow.from_record(row)


async def file_results_by_run(run_ids: Sequence[int]) -> dict[int, list[SyncFileResultRow]]:
    """File results of several runs in one query (for a dataloader), in insertion order."""
    rows = await fetch(
        "SELECT * FROM sync_file_result WHERE sync_run = ANY($1::int[]) ORDER BY id",
        list(run_ids),
    )
    found: dict[int, list[SyncFileResultRow]] = {run_id: [] for run_id in run_ids}
    for row in rows:
        found[int(row["sync_run"])].append(SyncFileResultRow.from_record(row))
    return found


async def sync_runs_by_ids(
    organization_id: int, run_ids: Sequence[int]
) -> dict[int, SyncRunRow]:
    rows = await fetch("SELECT * FROM sync_run WHERE organization = $1 AND id = ANY($2::int[])",
                       organization_id, list(run_ids))
    return {int(row["id"]): SyncRunRow.from_record(row) for row in rows}
