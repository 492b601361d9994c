"""API tokens (created for the current organization, shown once) and memberships (admins)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from domain import memberships, tokens
from domain.errors import NotFound as Missing
from domain.rows import ApiTokenRow, MemberRow
from graphql_api.context import Info
from graphql_api.mutation_result import run
from graphql_api.types.enums import Role
from graphql_api.types.errors import Forbidden, InvalidInput, LastAdmin, NotFound
from graphql_api.types.ids import InvalidArgument, decode_id
from graphql_api.types.resources import ApiToken
from graphql_api.types.user import Member


@strawberry.type
class ApiTokenCreated:
    token: str = strawberry.field(description="The token itself: shown now and never again.")
    api_token: ApiToken


CreateApiTokenResult = Annotated[
    ApiTokenCreated | InvalidInput, strawberry.union("CreateApiTokenResult")]
RevokeApiTokenResult = Annotated[
    ApiToken | NotFound | InvalidInput, strawberry.union("RevokeApiTokenResult")]
SetMemberResult = Annotated[
    Member | Forbidden | LastAdmin | InvalidInput, strawberry.union("SetMemberResult")]
RemoveMemberResult = Annotated[
    Member | NotFound | Forbidden | LastAdmin | InvalidInput,
    strawberry.union("RemoveMemberResult")]


def _not_found(what: str, id: strawberry.ID) -> NotFound:
    return NotFound(message=f"{what} {id} does not exist", id=id)


async def _token(user_id: int, token_id: int) -> ApiTokenRow:
    found = await tokens.api_tokens_by_ids(user_id, [token_id])
    return found[token_id]


@strawberry.type
class AccountMutations:
    @strawberry.mutation
    async def create_api_token(
        self, info: Info, name: str, expires_at: datetime | None = None
    ) -> CreateApiTokenResult:
        """A token for the caller, scoped to the current organization."""
        actor = info.context.actor

        async def call() -> tuple[str, ApiTokenRow]:
            if expires_at is not None and (
                expires_at.tzinfo is None or expires_at <= datetime.now(UTC)
            ):
                raise InvalidArgument("expiresAt", "must be a future time with a timezone")
            issued = await tokens.issue_token(actor.user_id, actor.organization_id, name[:200],
                                              expires_at)
            return issued.token, await _token(actor.user_id, issued.id)

        result: CreateApiTokenResult = await run(
            CreateApiTokenResult, call,
            lambda issued: ApiTokenCreated(token=issued[0], api_token=ApiToken.from_row(issued[1])))
        return result

    @strawberry.mutation
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> RevokeApiTokenResult:
        user_id = info.context.actor.user_id

        async def call() -> ApiTokenRow:
            token_id = decode_id(id, "ApiToken", "id")
            if not await tokens.revoke_token(token_id, user_id):
                raise Missing(f"active API token {id} does not exist")
            return await _token(user_id, token_id)

        result: RevokeApiTokenResult = await run(
            RevokeApiTokenResult, call, ApiToken.from_row,
            not_found=_not_found("active API token", id))
        return result

    @strawberry.mutation
    async def set_member(self, info: Info, handle: str, role: Role) -> SetMemberResult:
        """Add a user to the organization or change their role (organization admins)."""
        actor = info.context.actor
        result: SetMemberResult = await run(
            SetMemberResult, lambda: memberships.set_member(actor, handle, role.value),
            Member.from_row)
        return result

    @strawberry.mutation
    async def remove_member(self, info: Info, user_id: strawberry.ID) -> RemoveMemberResult:
        actor = info.context.actor

        async def call() -> MemberRow:
            return await memberships.remove_member(actor, decode_id(user_id, "User", "userId"))

        result: RemoveMemberResult = await run(
            RemoveMemberResult, call, Member.from_row, not_found=_not_found("member", user_id))
        return result
