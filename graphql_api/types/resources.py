"""Organization resources nodes reference, and API tokens. Secrets appear only as references."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from graphql_api.types.definition import SecretRef
from graphql_api.types.enums import ManagedBy, enum_or
from graphql_api.types.scalars import JSON

Row = dict[str, Any]  # Any: column values


def _common(row: Row) -> dict[str, Any]:
    return {
        "id": strawberry.ID(str(row["id"])), "name": row["name"],
        "managed_by": enum_or(ManagedBy, row["managed_by"], ManagedBy.API),
        "source_path": row["source_path"], "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


@strawberry.interface
class Resource:
    id: strawberry.ID
    name: str
    managed_by: ManagedBy
    source_path: str | None
    created_at: datetime
    updated_at: datetime


@strawberry.type
class Environment(Resource):
    description: str
    image: str | None
    dockerfile: str | None
    base_image: str | None
    build_status: str
    build_error: str | None
    built_image: str | None

    @classmethod
    def from_row(cls, row: Row) -> Environment:
        return cls(**_common(row), description=row["description"], image=row["image"],
                   dockerfile=row["dockerfile"], base_image=row["base_image"],
                   build_status=row["build_status"], build_error=row["build_error"],
                   built_image=row["built_image"])


@strawberry.type
class DataSource(Resource):
    type: str
    host: str | None
    port: int | None
    database: str | None
    user: str | None
    options: JSON
    password_ref: SecretRef | None

    @classmethod
    def from_row(cls, row: Row) -> DataSource:
        config = row["config"] or {}
        return cls(**_common(row), type=row["type"], host=config.get("host"),
                   port=config.get("port"), database=config.get("database"),
                   user=config.get("user"), options=JSON(config.get("options") or {}),
                   password_ref=SecretRef.from_json(row["secret_ref"]))


@strawberry.type
class AddOn(Resource):
    type: str
    endpoint: str
    config: JSON
    credentials_ref: SecretRef | None

    @classmethod
    def from_row(cls, row: Row) -> AddOn:
        return cls(**_common(row), type=row["type"], endpoint=row["endpoint"],
                   config=JSON(row["config"] or {}),
                   credentials_ref=SecretRef.from_json(row["secret_ref"]))


@strawberry.type
class Model(Resource):
    provider: str
    model: str
    base_url: str | None
    api_key_ref: SecretRef | None

    @classmethod
    def from_row(cls, row: Row) -> Model:
        return cls(**_common(row), provider=row["provider"], model=row["model"],
                   base_url=row["base_url"], api_key_ref=SecretRef.from_json(row["secret_ref"]))


@strawberry.type
class ApiToken:
    """A token's metadata; the token itself is shown once, by createApiToken."""

    id: strawberry.ID
    name: str
    prefix: str
    organization_id: strawberry.ID | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def from_row(cls, row: Row) -> ApiToken:
        org = row["organization"]
        return cls(id=strawberry.ID(str(row["id"])), name=row["name"], prefix=row["prefix"],
                   organization_id=None if org is None else strawberry.ID(str(org)),
                   created_at=row["created_at"], expires_at=row["expires_at"],
                   revoked_at=row["revoked_at"], last_used_at=row["last_used_at"])
