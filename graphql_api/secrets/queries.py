"""`secrets`: the organization's secret names, who set them and when (every member)."""

from __future__ import annotations

import strawberry

from domain import secret_store
from domain.rows import SecretRow
from graphql_api.context import Info
from graphql_api.types.pagination import Listing, connection, window
from graphql_api.types.scalars import Cursor
from graphql_api.types.secret import Secret, SecretConnection

BY_NAME = Listing[SecretRow]("secrets", lambda row: (row.name,), (str,))


@strawberry.type
class SecretQueries:
    @strawberry.field
    async def secrets(
        self, info: Info, first: int | None = None, after: Cursor | None = None,
        last: int | None = None, before: Cursor | None = None,
    ) -> SecretConnection:
        """The organization's secrets by name; never a value."""
        chosen = window(BY_NAME, first, after, last, before)
        organization_id = info.context.actor.organization_id
        page = await secret_store.list_secrets(organization_id, chosen)
        return connection(SecretConnection, BY_NAME, page, chosen, Secret.from_row,
                          count=lambda: secret_store.count_secrets(organization_id))
