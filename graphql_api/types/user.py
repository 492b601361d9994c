"""Users, the caller (`me`), organizations and memberships."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from graphql_api.types.enums import Role


@strawberry.type
class User:
    id: strawberry.ID
    handle: str
    display_name: str
    is_service: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> User:
        return cls(
            id=strawberry.ID(str(row["id"])),
            handle=row["handle"],
            display_name=row["display_name"],
            is_service=bool(row["is_service"]),
        )


@strawberry.type
class Organization:
    id: strawberry.ID
    slug: str
    name: str
    allow_git_overrides: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Organization:
        return cls(
            id=strawberry.ID(str(row["id"])),
            slug=row["slug"],
            name=row["name"],
            allow_git_overrides=bool(row["allow_git_overrides"]),
        )


@strawberry.type
class Me:
    """The caller in the selected organization."""

    id: strawberry.ID
    handle: str
    display_name: str
    email: str
    role: Role
    organization: Organization


@strawberry.type
class Member:
    user: User
    role: Role
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Member:
        user = User.from_row({**row, "id": row["user"]})
        return cls(user=user, role=Role(row["role"]), created_at=row["created_at"])
