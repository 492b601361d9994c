"""`me`, `apiTokens` and `members`."""

from __future__ import annotations

import strawberry

from domain import memberships, tokens
from domain.rows import ApiTokenRow, MemberRow
from graphql_api.context import Info
from graphql_api.types.enums import Role
from graphql_api.types.pagination import Listing, connection, window
from graphql_api.types.resources import ApiToken, ApiTokenConnection
from graphql_api.types.scalars import Cursor
from graphql_api.types.user import Me, Member, MemberConnection, Organization, User

TOKENS = Listing[ApiTokenRow]("apiTokens", lambda row: (row.id,), (int,))
MEMBERS = Listing[MemberRow]("members", lambda row: (row.handle,), (str,))


@strawberry.type
class AccountQueries:
    @strawberry.field
    def me(self, info: Info) -> Me:
        caller = info.context.caller
        return Me(user=User.from_row(caller.user), email=caller.user.email,
                  role=Role(caller.actor.role),
                  organization=Organization.from_row(caller.organization),
                  scoped=caller.scoped)

    @strawberry.field
    async def api_tokens(
        self, info: Info, first: int | None = None, after: Cursor | None = None,
        last: int | None = None, before: Cursor | None = None,
    ) -> ApiTokenConnection:
        """The caller's own tokens (metadata only), oldest first."""
        chosen = window(TOKENS, first, after, last, before)
        user_id = info.context.actor.user_id
        page = await tokens.api_tokens_of(user_id, chosen)
        return connection(ApiTokenConnection, TOKENS, page, chosen, ApiToken.from_row,
                          count=lambda: tokens.count_api_tokens(user_id))

    @strawberry.field
    async def members(
        self, info: Info, first: int | None = None, after: Cursor | None = None,
        last: int | None = None, before: Cursor | None = None,
    ) -> MemberConnection:
        """Members of the organization by handle (whom a workflow can be shared with)."""
        chosen = window(MEMBERS, first, after, last, before)
        actor = info.context.actor
        page = await memberships.list_members(actor, chosen)
        return connection(MemberConnection, MEMBERS, page, chosen, Member.from_row,
                          count=lambda: memberships.count_members(actor))
