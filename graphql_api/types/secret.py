"""A secret of the organization's store: its name and who set it when, never its value."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.rows import SecretRow
from graphql_api.context import Info
from graphql_api.types.errors import Error, ErrorCode
from graphql_api.types.ids import global_id
from graphql_api.types.node import Node
from graphql_api.types.pagination import CountedConnection
from graphql_api.types.user import User


@strawberry.type(description="A value stored encrypted for the organization; reference it as "
                             "`{secret: NAME}`. Its value is never returned.")
class Secret(Node):
    pk: strawberry.Private[int]
    set_by_pk: strawberry.Private[int | None]
    name: str
    set_at: datetime
    version: int = strawberry.field(description="1 when first set, +1 on each change.")

    @strawberry.field
    async def set_by(self, info: Info) -> User | None:
        """Who set the current value; null when an operator set it (`flowplane secret set`)
        or the user no longer exists."""
        if self.set_by_pk is None:
            return None
        row = await info.context.loaders.user_by_id.load(self.set_by_pk)
        return None if row is None else User.from_row(row)

    @classmethod
    def from_row(cls, row: SecretRow) -> Secret:
        return cls(id=global_id("Secret", row.id), pk=row.id, set_by_pk=row.set_by,
                   name=row.name, set_at=row.set_at, version=row.version)


@strawberry.type
class SecretConnection(CountedConnection[Secret]):
    pass


@strawberry.type
class SecretNotFound(Error):
    """The organization has no secret by this name."""

    CODE = ErrorCode.NOT_FOUND
    name: str


@strawberry.type
class SecretDeleted:
    deleted_id: strawberry.ID = strawberry.field(description="The id the secret had.")
    name: str
