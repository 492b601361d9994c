"""Workflow queries: one workflow, the access-filtered list, templates, shared users."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain import workflow_reads
from domain.errors import NotFound
from domain.workflows import get_workflow, shared_users
from graphql_api.context import Info
from graphql_api.types.enums import WorkflowStatus
from graphql_api.types.errors import WorkflowNotFound
from graphql_api.types.pagination import Connection, connection
from graphql_api.types.scalars import Cursor, decode_cursor, page_size, to_id
from graphql_api.types.user import User
from graphql_api.types.workflow import Workflow


def workflow_not_found(workflow_id: strawberry.ID | str) -> WorkflowNotFound:
    return WorkflowNotFound(
        message=f"workflow {workflow_id} does not exist", workflow_id=strawberry.ID(workflow_id)
    )


@strawberry.input
class WorkflowFilter:
    status: WorkflowStatus | None = None
    tag: str | None = None
    search: str | None = None
    is_template: bool | None = None


@strawberry.type
class SharedUsers:
    workflow_id: strawberry.ID
    users: list[User]


WorkflowResult = Annotated[Workflow | WorkflowNotFound, strawberry.union("WorkflowResult")]
SharedUsersResult = Annotated[
    SharedUsers | WorkflowNotFound, strawberry.union("SharedUsersResult")
]


async def _page(
    info: Info, where: workflow_reads.WorkflowFilter, first: int | None, after: Cursor | None
) -> Connection[Workflow]:
    limit = page_size(first)
    after_id = to_id(decode_cursor(after)) or 0 if after else 0
    rows = await workflow_reads.list_workflows(
        info.context.actor, where, after_id=after_id, limit=limit + 1
    )
    return connection(rows, limit, Workflow.from_row, lambda row: str(row["id"]))


@strawberry.type
class WorkflowQueries:
    @strawberry.field
    async def workflow(self, info: Info, id: strawberry.ID) -> WorkflowResult:
        workflow_id = to_id(id)
        try:
            if workflow_id is None:
                raise NotFound(id)
            row = await get_workflow(info.context.actor, workflow_id)
        except NotFound:
            return workflow_not_found(id)
        return Workflow.from_row(row)

    @strawberry.field
    async def workflows(
        self,
        info: Info,
        filter: WorkflowFilter | None = None,
        first: int | None = 20,
        after: Cursor | None = None,
    ) -> Connection[Workflow]:
        """Workflows the caller may read (owned, shared, public; all for admins)."""
        given = filter or WorkflowFilter()
        where = workflow_reads.WorkflowFilter(
            status=None if given.status is None else given.status.value,
            tag=given.tag, search=given.search, is_template=given.is_template,
        )
        return await _page(info, where, first, after)

    @strawberry.field
    async def templates(
        self, info: Info, first: int | None = 20, after: Cursor | None = None
    ) -> Connection[Workflow]:
        """Templates the caller may read (owned, shared or public)."""
        return await _page(info, workflow_reads.WorkflowFilter(is_template=True), first, after)

    @strawberry.field
    async def shared_users(self, info: Info, workflow_id: strawberry.ID) -> SharedUsersResult:
        wid = to_id(workflow_id)
        try:
            if wid is None:
                raise NotFound(workflow_id)
            rows = await shared_users(info.context.actor, wid)
        except NotFound:
            return workflow_not_found(workflow_id)
        return SharedUsers(workflow_id=workflow_id, users=[User.from_row(r) for r in rows])
