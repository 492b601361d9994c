"""Git sync status: `syncRuns` and `syncRun(id)` for every member of the organization, and
`syncNow`, which queues a run for the organization's sync daemon (organization admins)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain import sync_runs
from graphql_api.context import Info
from graphql_api.types.errors import Forbidden, NotFound
from graphql_api.types.pagination import Connection, connection
from graphql_api.types.scalars import Cursor, decode_cursor, page_size, to_id
from graphql_api.types.sync_run import SyncRun

SyncRunResult = Annotated[SyncRun | NotFound, strawberry.union("SyncRunResult")]
SyncNowResult = Annotated[SyncRun | Forbidden, strawberry.union("SyncNowResult")]


@strawberry.type
class SyncQueries:
    @strawberry.field
    async def sync_runs(
        self, info: Info, first: int | None = 20, after: Cursor | None = None
    ) -> Connection[SyncRun]:
        """The organization's sync runs, newest first."""
        limit = page_size(first)
        before_id = to_id(decode_cursor(after)) if after else None
        rows = await sync_runs.list_sync_runs(
            info.context.actor.organization_id, first=limit + 1, before_id=before_id
        )
        return connection(rows, limit, SyncRun.from_row, lambda row: str(row["id"]))

    @strawberry.field
    async def sync_run(self, info: Info, id: strawberry.ID) -> SyncRunResult:
        run_id = to_id(id)
        row = None if run_id is None else await sync_runs.get_sync_run(
            info.context.actor.organization_id, run_id)
        if row is None:
            return NotFound(message=f"sync run {id} does not exist", id=id)
        return SyncRun.from_row(row)


@strawberry.type
class SyncMutations:
    @strawberry.mutation
    async def sync_now(self, info: Info) -> SyncNowResult:
        """Queue a run that the organization's sync daemon starts on its next tick (at most
        one queued run: asking again returns the same one)."""
        actor = info.context.actor
        if not actor.is_admin:
            return Forbidden(message="only organization admins may start a sync run")
        return SyncRun.from_row(await sync_runs.request_sync(actor.organization_id))
