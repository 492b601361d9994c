"""Git sync status: `syncRuns` and `syncRun(id)` for every member of the organization, and
`syncNow`, which queues a run for the organization's sync daemon (organization admins)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain import sync_runs
from domain.errors import NotFound as Missing
from domain.rows import SyncRunRow
from graphql_api.context import Info
from graphql_api.mutation_result import run
from graphql_api.types.errors import Forbidden, InvalidInput, NotFound
from graphql_api.types.ids import decode_id
from graphql_api.types.pagination import Listing, connection, window
from graphql_api.types.scalars import Cursor
from graphql_api.types.sync_run import SyncRun, SyncRunConnection

SYNC_RUNS = Listing[SyncRunRow]("syncRuns", lambda row: (row.id,), (int,))
SyncRunResult = Annotated[SyncRun | NotFound | InvalidInput, strawberry.union("SyncRunResult")]
SyncNowResult = Annotated[SyncRun | Forbidden, strawberry.union("SyncNowResult")]


@strawberry.type
class SyncQueries:
    @strawberry.field
    async def sync_runs(
        self, info: Info, first: int | None = None, after: Cursor | None = None,
        last: int | None = None, before: Cursor | None = None,
    ) -> SyncRunConnection:
        """The organization's sync runs, newest first."""
        chosen = window(SYNC_RUNS, first, after, last, before)
        organization_id = info.context.actor.organization_id
        page = await sync_runs.list_sync_runs(organization_id, chosen)
        return connection(SyncRunConnection, SYNC_RUNS, page, chosen, SyncRun.from_row,
                          count=lambda: sync_runs.count_sync_runs(organization_id))

    @strawberry.field
    async def sync_run(self, info: Info, id: strawberry.ID) -> SyncRunResult:
        organization_id = info.context.actor.organization_id

        async def call() -> SyncRunRow:
            run_id = decode_id(id, "SyncRun", "id")
            row = await sync_runs.get_sync_run(organization_id, run_id)
            if row is None:
                raise Missing(f"sync run {id} does not exist")
            return row

        result: SyncRunResult = await run(
            SyncRunResult, call, SyncRun.from_row,
            not_found=NotFound(message=f"sync run {id} does not exist", id=id))
        return result


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
