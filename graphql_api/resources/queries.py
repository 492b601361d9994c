"""Lists of the organization's resources by name (every member may read them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

from domain import resources
from domain.resources import ResourceKind
from domain.rows import ResourceRow
from graphql_api.context import Info
from graphql_api.types.pagination import Connection, Listing, connection, window
from graphql_api.types.resources import (
    AddOn,
    AddOnConnection,
    DataSource,
    DataSourceConnection,
    Environment,
    EnvironmentConnection,
    Model,
    ModelConnection,
)
from graphql_api.types.scalars import Cursor

C = TypeVar("C", bound=Connection[Any])
R = TypeVar("R", bound=ResourceRow)
BY_NAME = Listing[ResourceRow]("resources", lambda row: (row.name,), (str,))


async def _page(
    info: Info, kind: ResourceKind[R], cls: type[C], node: Callable[[R], Any],
    first: int | None, after: Cursor | None, last: int | None, before: Cursor | None,
) -> C:
    chosen = window(BY_NAME, first, after, last, before)
    actor = info.context.actor
    page = await resources.list_resources(actor, kind, chosen)
    return connection(cls, BY_NAME, page, chosen, node,
                      count=lambda: resources.count_resources(actor, kind))


@strawberry.type
class ResourceQueries:
    @strawberry.field
    async def environments(
        self, info: Info, first: int | None = None, after: Cursor | None = None,
        last: int | None = None, before: Cursor | None = None,
    ) -> EnvironmentConnection:
        return await _page(info, resources.ENVIRONMENT, EnvironmentConnection,
                           Environment.from_row, first, after, last, before)

    @strawberry.field
    async def data_sources(
        self, info: Info, first: int | None = None, after: Cursor | None = None,
        last: int | None = None, before: Cursor | None = None,
    ) -> DataSourceConnection:
        """Connection settings and secret references; never a secret value."""
        return await _page(info, resources.DATA_SOURCE, DataSourceConnection,
                           DataSource.from_row, first, after, last, before)

    @strawberry.field
    async def add_ons(
        self, info: Info, first: int | None = None, after: Cursor | None = None,
        last: int | None = None, before: Cursor | None = None,
    ) -> AddOnConnection:
        return await _page(info, resources.ADD_ON, AddOnConnection, AddOn.from_row,
                           first, after, last, before)

    @strawberry.field
    async def models(
        self, info: Info, first: int | None = None, after: Cursor | None = None,
        last: int | None = None, before: Cursor | None = None,
    ) -> ModelConnection:
        return await _page(info, resources.MODEL, ModelConnection, Model.from_row,
                           first, after, last, before)
