"""Lists of the organization's resources (every member may read them)."""

from __future__ import annotations

import strawberry

from domain import resources
from graphql_api.context import Info
from graphql_api.types.resources import AddOn, DataSource, Environment, Model


@strawberry.type
class ResourceQueries:
    @strawberry.field
    async def environments(self, info: Info) -> list[Environment]:
        rows = await resources.list_resources(info.context.actor, resources.ENVIRONMENT)
        return [Environment.from_row(row) for row in rows]

    @strawberry.field
    async def data_sources(self, info: Info) -> list[DataSource]:
        """Connection settings and secret references; never a secret value."""
        rows = await resources.list_resources(info.context.actor, resources.DATA_SOURCE)
        return [DataSource.from_row(row) for row in rows]

    @strawberry.field
    async def add_ons(self, info: Info) -> list[AddOn]:
        rows = await resources.list_resources(info.context.actor, resources.ADD_ON)
        return [AddOn.from_row(row) for row in rows]

    @strawberry.field
    async def models(self, info: Info) -> list[Model]:
        rows = await resources.list_resources(info.context.actor, resources.MODEL)
        return [Model.from_row(row) for row in rows]
