"""Organization resources nodes reference, and API tokens. Secrets appear only as references."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from domain.rows import (
    AddOnRow,
    ApiTokenRow,
    DataSourceRow,
    EnvironmentRow,
    ModelRow,
    ResourceRow,
)
from graphql_api.context import Info
from graphql_api.types.definition import SecretRef
from graphql_api.types.enums import BuildStatus, ManagedBy, enum_or
from graphql_api.types.ids import global_id
from graphql_api.types.node import Node
from graphql_api.types.pagination import CountedConnection
from graphql_api.types.scalars import JSON
from graphql_api.types.user import Organization


def _common(type_name: str, row: ResourceRow) -> dict[str, Any]:
    return {
        "id": global_id(type_name, row.id), "pk": row.id, "name": row.name,
        "managed_by": enum_or(ManagedBy, row.managed_by, ManagedBy.API),
        "source_path": row.source_path, "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


@strawberry.interface
class Resource(Node):
    pk: strawberry.Private[int]
    name: str
    managed_by: ManagedBy
    source_path: str | None
    created_at: datetime
    updated_at: datetime


@strawberry.type
class PythonEnvironment:
    version: str | None
    packages: list[str]

    @classmethod
    def from_json(cls, value: dict[str, Any] | None) -> PythonEnvironment | None:
        if value is None:
            return None
        return cls(version=value.get("version"), packages=list(value.get("packages") or []))


@strawberry.type
class Environment(Resource):
    description: str
    image: str | None
    dockerfile: str | None
    base_image: str | None
    python: PythonEnvironment | None
    build_status: BuildStatus
    build_error: str | None
    built_image: str | None
    build_log: str | None = strawberry.field(description=(
        "The installer's output of the last build of its python packages (its tail when "
        "long); null before the first."))
    node_types: list[str] = strawberry.field(description=(
        "Plugin node types its image provides beyond the built-ins, as declared (the "
        "`custom` environment's are the operator's FLOWPLANE_BASE_IMAGE_NODE_TYPES)."))

    @classmethod
    def from_row(cls, row: EnvironmentRow) -> Environment:
        return cls(**_common("Environment", row), description=row.description,
                   image=row.image, dockerfile=row.dockerfile, base_image=row.base_image,
                   python=PythonEnvironment.from_json(row.python),
                   build_status=enum_or(BuildStatus, row.build_status, BuildStatus.NONE),
                   build_error=row.build_error, built_image=row.built_image,
                   build_log=row.build_log, node_types=list(row.node_types or []))


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
    def from_row(cls, row: DataSourceRow) -> DataSource:
        config = row.config or {}
        return cls(**_common("DataSource", row), type=row.type, host=config.get("host"),
                   port=config.get("port"), database=config.get("database"),
                   user=config.get("user"), options=JSON(config.get("options") or {}),
                   password_ref=SecretRef.from_json(row.secret_ref))


@strawberry.type
class AddOn(Resource):
    type: str
    endpoint: str
    config: JSON
    credentials_ref: SecretRef | None

    @classmethod
    def from_row(cls, row: AddOnRow) -> AddOn:
        return cls(**_common("AddOn", row), type=row.type, endpoint=row.endpoint,
                   config=JSON(row.config or {}),
                   credentials_ref=SecretRef.from_json(row.secret_ref))


@strawberry.type
class Model(Resource):
    provider: str
    model: str
    base_url: str | None
    api_key_ref: SecretRef | None

    @classmethod
    def from_row(cls, row: ModelRow) -> Model:
        return cls(**_common("Model", row), provider=row.provider, model=row.model,
                   base_url=row.base_url, api_key_ref=SecretRef.from_json(row.secret_ref))


@strawberry.type
class ApiToken(Node):
    """A token's metadata; the token itself is shown once, by createApiToken."""

    pk: strawberry.Private[int]
    organization_pk: strawberry.Private[int | None]
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        """The organization the token is scoped to; null when it works for every organization
        of its user."""
        if self.organization_pk is None:
            return None
        row = await info.context.loaders.organization_by_id.load(self.organization_pk)
        return None if row is None else Organization.from_row(row)

    @classmethod
    def from_row(cls, row: ApiTokenRow) -> ApiToken:
        return cls(id=global_id("ApiToken", row.id), pk=row.id,
                   organization_pk=row.organization, name=row.name, prefix=row.prefix,
                   created_at=row.created_at, expires_at=row.expires_at,
                   revoked_at=row.revoked_at, last_used_at=row.last_used_at)


@strawberry.type
class EnvironmentConnection(CountedConnection[Environment]):
    pass


@strawberry.type
class DataSourceConnection(CountedConnection[DataSource]):
    pass


@strawberry.type
class AddOnConnection(CountedConnection[AddOn]):
    pass


@strawberry.type
class ModelConnection(CountedConnection[Model]):
    pass


@strawberry.type
class ApiTokenConnection(CountedConnection[ApiToken]):
    pass
