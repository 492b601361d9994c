"""`me`, `apiTokens` and `members`."""

from __future__ import annotations

import strawberry

from domain.memberships import list_members
from domain.reads import api_tokens_of
from graphql_api.context import Info
from graphql_api.types.enums import Role
from graphql_api.types.resources import ApiToken
from graphql_api.types.user import Me, Member, Organization


@strawberry.type
class AccountQueries:
    @strawberry.field
    def me(self, info: Info) -> Me:
        caller = info.context.caller
        return Me(
            id=strawberry.ID(str(caller.user["id"])), handle=caller.user["handle"],
            display_name=caller.user["display_name"], email=caller.user["email"],
            role=Role(caller.actor.role), organization=Organization.from_row(caller.organization),
        )

    @strawberry.field
    async def api_tokens(self, info: Info) -> list[ApiToken]:
        """The caller's own tokens (metadata only)."""
        return [ApiToken.from_row(row) for row in await api_tokens_of(info.context.actor.user_id)]

    @strawberry.field
    async def members(self, info: Info) -> list[Member]:
        """Members of the organization (whom a workflow can be shared with)."""
        return [Member.from_row(row) for row in await list_members(info.context.actor)]
