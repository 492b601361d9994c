"""Workflow queries: one workflow by id or by name, the access-filtered list, templates."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain import workflow_reads
from domain.rows import WorkflowRow
from domain.workflows import get_workflow
from graphql_api.context import Info
from graphql_api.mutation_result import run
from graphql_api.preload import preload_workflows
from graphql_api.types.enums import WorkflowStatus
from graphql_api.types.errors import InvalidInput, WorkflowNotFound
from graphql_api.types.ids import InvalidArgument, decode_id
from graphql_api.types.pagination import Listing, connection, window
from graphql_api.types.scalars import Cursor
from graphql_api.types.workflow import Workflow, WorkflowConnection

WORKFLOWS = Listing[WorkflowRow]("workflows", lambda row: (row.id,), (int,))


def workflow_not_found(workflow_id: strawberry.ID | str) -> WorkflowNotFound:
    return WorkflowNotFound(
        message=f"workflow {workflow_id} does not exist", workflow_id=strawberry.ID(workflow_id)
    )


@strawberry.input
class WorkflowFilter:
    status: WorkflowStatus | None = None
    tag: str | None = None
    search: str | None = strawberry.field(default=None, description="A part of the name or "
                                          "the description (case-insensitive).")
    is_template: bool | None = None


WorkflowResult = Annotated[
    Workflow | WorkflowNotFound | InvalidInput, strawberry.union("WorkflowResult")
]


async def _page(
    info: Info, where: workflow_reads.WorkflowFilter, first: int | None, after: Cursor | None,
    last: int | None, before: Cursor | None,
) -> WorkflowConnection:
    chosen = window(WORKFLOWS, first, after, last, before)
    actor = info.context.actor
    page = await workflow_reads.list_workflows(actor, where, chosen)
    await preload_workflows(info, page.rows)
    return connection(WorkflowConnection, WORKFLOWS, page, chosen, Workflow.from_row,
                      count=lambda: workflow_reads.count_workflows(actor, where))


@strawberry.type
class WorkflowQueries:
    @strawberry.field
    async def workflow(
        self, info: Info, id: strawberry.ID | None = None, name: str | None = None
    ) -> WorkflowResult:
        """One workflow by its id, or by its name (unique in the organization)."""
        actor = info.context.actor

        async def call() -> WorkflowRow:
            if (id is None) == (name is None):
                raise InvalidArgument("id", "give exactly one of id and name")
            if id is not None:
                return await get_workflow(actor, decode_id(id, "Workflow", "id"))
            assert name is not None
            return await workflow_reads.workflow_by_name(actor, name)

        result: WorkflowResult = await run(
            WorkflowResult, call, Workflow.from_row,
            not_found=workflow_not_found(id if id is not None else name or ""))
        return result

    @strawberry.field
    async def workflows(
        self, info: Info, filter: WorkflowFilter | None = None, first: int | None = None,
        after: Cursor | None = None, last: int | None = None, before: Cursor | None = None,
    ) -> WorkflowConnection:
        """Workflows the caller may read (owned, shared, public; all for admins), oldest
        first."""
        given = filter or WorkflowFilter()
        where = workflow_reads.WorkflowFilter(
            status=None if given.status is None else given.status.value,
            tag=given.tag, search=given.search, is_template=given.is_template,
        )
        return await _page(info, where, first, after, last, before)

    @strawberry.field
    async def templates(
        self, info: Info, first: int | None = None, after: Cursor | None = None,
        last: int | None = None, before: Cursor | None = None,
    ) -> WorkflowConnection:
        """Templates the caller may read (owned, shared or public)."""
        where = workflow_reads.WorkflowFilter(is_template=True)
        return await _page(info, where, first, after, last, before)
