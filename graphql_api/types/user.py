"""Users, the caller (`me`), organizations and memberships."""

from __future__ import annotations

import functools
from datetime import datetime

import strawberry

from domain.organizations import organizations_of
from domain.rows import MemberRow, OrganizationRow, UserRow
from graphql_api.types.enums import Role
from graphql_api.types.ids import global_id
from graphql_api.types.node import Node
from graphql_api.types.pagination import CountedConnection


@strawberry.type
class User(Node):
    pk: strawberry.Private[int]
    handle: str
    display_name: str
    is_service: bool

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        # A list names the same few users hundreds of times (owner, sharedWith, triggeredBy):
        # one object per distinct user, never changed once built.
        return _user(row.id, row.handle, row.display_name, row.is_service)


@functools.lru_cache(maxsize=4096)
def _user(pk: int, handle: str, display_name: str, is_service: bool) -> User:
    return User(id=global_id("User", pk), pk=pk, handle=handle, display_name=display_name,
                is_service=is_service)


@strawberry.type
class Organization(Node):
    pk: strawberry.Private[int]
    slug: str
    name: str
    allow_git_overrides: bool

    @classmethod
    def from_row(cls, row: OrganizationRow) -> Organization:
        return cls(id=global_id("Organization", row.id), pk=row.id, slug=row.slug,
                   name=row.name, allow_git_overrides=row.allow_git_overrides)


async def _organizations(root: Me) -> list[Organization]:
    if root.scoped:
        return [root.organization]
    return [Organization.from_row(row) for row in await organizations_of(root.user.pk)]


@strawberry.type(description="The caller in the organization the request is for.")
class Me:
    user: User
    email: str
    role: Role
    organization: Organization
    organizations: list[Organization] = strawberry.field(
        resolver=_organizations,
        description="The organizations this request's token can be used with (send one as "
        "`X-Organization-ID`): every organization the user is a member of, or only "
        "`organization` for a token scoped to it.")
    scoped: strawberry.Private[bool] = False


@strawberry.type(description="A user's membership of the organization.")
class Member(Node):
    pk: strawberry.Private[int]
    user: User
    role: Role
    created_at: datetime

    @classmethod
    def from_row(cls, row: MemberRow) -> Member:
        """From a row of `domain.memberships` (the membership with its user's columns)."""
        user = _user(row.user, row.handle, row.display_name, row.is_service)
        return cls(id=global_id("Member", row.id), pk=row.id, user=user,
                   role=Role(row.role), created_at=row.created_at)


@strawberry.type
class MemberConnection(CountedConnection[Member]):
    pass
