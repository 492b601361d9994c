"""API tokens (created for the current organization, shown once) and memberships (admins)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry

from domain import memberships
from domain.errors import NotFound
from domain.reads import api_tokens_of
from domain.tokens import issue_token, revoke_token
from graphql_api.context import Info
from graphql_api.mutation_result import run
from graphql_api.types.enums import Role
from graphql_api.types.errors import ErrorType, invalid_input
from graphql_api.types.errors import NotFound as NotFoundError
from graphql_api.types.resources import ApiToken
from graphql_api.types.scalars import to_id
from graphql_api.types.user import Member


@strawberry.type
class ApiTokenCreated:
    token: str = strawberry.field(description="The token itself: shown now and never again.")
    api_token: ApiToken


CreateApiTokenResult = Annotated[
    ApiTokenCreated | ErrorType, strawberry.union("CreateApiTokenResult")
]
RevokeApiTokenResult = Annotated[ApiToken | ErrorType, strawberry.union("RevokeApiTokenResult")]
SetMemberResult = Annotated[Member | ErrorType, strawberry.union("SetMemberResult")]
RemoveMemberResult = Annotated[Member | ErrorType, strawberry.union("RemoveMemberResult")]


def _not_found(what: str, id: strawberry.ID) -> NotFoundError:
    return NotFoundError(message=f"{what} {id} does not exist", id=id)


@strawberry.type
class AccountMutations:
    @strawberry.mutation
    async def create_api_token(
        self, info: Info, name: str, expires_at: datetime | None = None
    ) -> CreateApiTokenResult:
        """A token for the caller, scoped to the current organization."""
        if expires_at is not None and (
            expires_at.tzinfo is None or expires_at <= datetime.now(UTC)
        ):
            return invalid_input("expiresAt", "expiresAt must be a future time with a timezone")
        actor = info.context.actor
        issued = await issue_token(actor.user_id, actor.organization_id, name[:200], expires_at)
        tokens = await _tokens(actor.user_id)
        return ApiTokenCreated(token=issued.token, api_token=tokens[issued.id])

    @strawberry.mutation
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> RevokeApiTokenResult:
        user_id = info.context.actor.user_id
        token_id = to_id(id)
        if token_id is None or not await revoke_token(token_id, user_id):
            return _not_found("active API token", id)
        return (await _tokens(user_id))[token_id]

    @strawberry.mutation
    async def set_member(self, info: Info, handle: str, role: Role) -> SetMemberResult:
        """Add a user to the organization or change their role (organization admins)."""
        return await run(
            lambda: memberships.set_member(info.context.actor, handle, role.value),
            Member.from_row, _not_found("user", strawberry.ID(handle)),
        )

    @strawberry.mutation
    async def remove_member(self, info: Info, user_id: strawberry.ID) -> RemoveMemberResult:
        async def call() -> dict[str, Any]:
            uid = to_id(user_id)
            if uid is None:
                raise NotFound(user_id)
            return await memberships.remove_member(info.context.actor, uid)

        return await run(call, Member.from_row, _not_found("member", user_id))


async def _tokens(user_id: int) -> dict[int, ApiToken]:
    return {int(row["id"]): ApiToken.from_row(row) for row in await api_tokens_of(user_id)}
