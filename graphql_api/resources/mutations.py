"""Create, update (replace) and delete resources; organization admins only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry

from domain import redeploys, resources
from domain.access import Actor
from domain.resources import ResourceKind
from domain.rows import ResourceRow
from graphql_api.context import Info
from graphql_api.mutation_result import run
from graphql_api.resources.inputs import AddOnInput, DataSourceInput, EnvironmentInput, ModelInput
from graphql_api.types.errors import Forbidden, GitManaged, InvalidInput, NameTaken, NotFound
from graphql_api.types.ids import decode_id
from graphql_api.types.inputs import to_json
from graphql_api.types.resources import AddOn, DataSource, Environment, Model

T = TypeVar("T")
R = TypeVar("R", bound=ResourceRow)
CreateErrors = Forbidden | NameTaken | InvalidInput
UpdateErrors = NotFound | Forbidden | GitManaged | NameTaken | InvalidInput


def _union(name: str) -> Any:  # Any: a strawberry.union marker for Annotated
    return strawberry.union(name)


@strawberry.type
class ResourceDeleted:
    deleted_id: strawberry.ID = strawberry.field(description="The id the resource had.")
    name: str


DeleteResult = ResourceDeleted | NotFound | Forbidden | GitManaged | InvalidInput
CreateEnvironmentResult = Annotated[Environment | CreateErrors, _union("CreateEnvironmentResult")]
UpdateEnvironmentResult = Annotated[Environment | UpdateErrors, _union("UpdateEnvironmentResult")]
DeleteEnvironmentResult = Annotated[DeleteResult, _union("DeleteEnvironmentResult")]
CreateDataSourceResult = Annotated[DataSource | CreateErrors, _union("CreateDataSourceResult")]
UpdateDataSourceResult = Annotated[DataSource | UpdateErrors, _union("UpdateDataSourceResult")]
DeleteDataSourceResult = Annotated[DeleteResult, _union("DeleteDataSourceResult")]
CreateAddOnResult = Annotated[AddOn | CreateErrors, _union("CreateAddOnResult")]
UpdateAddOnResult = Annotated[AddOn | UpdateErrors, _union("UpdateAddOnResult")]
DeleteAddOnResult = Annotated[DeleteResult, _union("DeleteAddOnResult")]
CreateModelResult = Annotated[Model | CreateErrors, _union("CreateModelResult")]
UpdateModelResult = Annotated[Model | UpdateErrors, _union("UpdateModelResult")]
DeleteModelResult = Annotated[DeleteResult, _union("DeleteModelResult")]
# The GraphQL type name of each kind (the first part of its ids).
TYPE_NAMES = {resources.ENVIRONMENT.table: "Environment", resources.DATA_SOURCE.table:
              "DataSource", resources.ADD_ON.table: "AddOn", resources.MODEL.table: "Model"}


def _spec(input: object) -> tuple[str, dict[str, Any]]:
    data = to_json(input)
    return str(data.pop("name")), data


def _gone(kind: ResourceKind[ResourceRow], id: strawberry.ID) -> NotFound:
    return NotFound(message=f"{kind.label} {id} does not exist", id=id)


async def _create(result: Any, actor: Actor, kind: ResourceKind[R], input: object,
                  wrap: Callable[[R], T]) -> Any:  # Any: `result`, a union, and its member
    name, spec = _spec(input)
    return await run(result, lambda: resources.create_resource(actor, kind, name, spec), wrap,
                     field_prefix="input.")


async def _update(result: Any, actor: Actor, kind: ResourceKind[R], id: strawberry.ID,
                  input: object, wrap: Callable[[R], T]) -> Any:  # Any: see `_create`
    name, spec = _spec(input)

    async def call() -> R:
        resource_id = decode_id(id, TYPE_NAMES[kind.table], "id")
        return await redeploys.update_resource(actor, kind, resource_id, name, spec)

    return await run(result, call, wrap, not_found=_gone(kind, id), field_prefix="input.")


async def _delete(result: Any, actor: Actor, kind: ResourceKind[ResourceRow],
                  id: strawberry.ID) -> Any:  # Any: see `_create`
    async def call() -> ResourceRow:
        return await resources.delete_resource(actor, kind, decode_id(id, TYPE_NAMES[kind.table],
                                                                      "id"))

    return await run(result, call, lambda row: ResourceDeleted(deleted_id=id, name=row.name),
                     not_found=_gone(kind, id))


@strawberry.type
class ResourceMutations:
    @strawberry.mutation
    async def create_environment(
        self, info: Info, input: EnvironmentInput
    ) -> CreateEnvironmentResult:
        result: CreateEnvironmentResult = await _create(
            CreateEnvironmentResult, info.context.actor, resources.ENVIRONMENT, input,
            Environment.from_row)
        return result

    @strawberry.mutation
    async def update_environment(
        self, info: Info, id: strawberry.ID, input: EnvironmentInput
    ) -> UpdateEnvironmentResult:
        """Replace its name and settings (the whole spec, as a YAML apply does)."""
        result: UpdateEnvironmentResult = await _update(
            UpdateEnvironmentResult, info.context.actor, resources.ENVIRONMENT, id, input,
            Environment.from_row)
        return result

    @strawberry.mutation
    async def delete_environment(self, info: Info, id: strawberry.ID) -> DeleteEnvironmentResult:
        result: DeleteEnvironmentResult = await _delete(
            DeleteEnvironmentResult, info.context.actor, resources.ENVIRONMENT, id)
        return result

    @strawberry.mutation
    async def create_data_source(
        self, info: Info, input: DataSourceInput
    ) -> CreateDataSourceResult:
        result: CreateDataSourceResult = await _create(
            CreateDataSourceResult, info.context.actor, resources.DATA_SOURCE, input,
            DataSource.from_row)
        return result

    @strawberry.mutation
    async def update_data_source(
        self, info: Info, id: strawberry.ID, input: DataSourceInput
    ) -> UpdateDataSourceResult:
        """Replace its name and settings (the whole spec, as a YAML apply does)."""
        result: UpdateDataSourceResult = await _update(
            UpdateDataSourceResult, info.context.actor, resources.DATA_SOURCE, id, input,
            DataSource.from_row)
        return result

    @strawberry.mutation
    async def delete_data_source(self, info: Info, id: strawberry.ID) -> DeleteDataSourceResult:
        result: DeleteDataSourceResult = await _delete(
            DeleteDataSourceResult, info.context.actor, resources.DATA_SOURCE, id)
        return result

    @strawberry.mutation
    async def create_add_on(
        self, info: Info, input: AddOnInput
    ) -> CreateAddOnResult:
        result: CreateAddOnResult = await _create(
            CreateAddOnResult, info.context.actor, resources.ADD_ON, input, AddOn.from_row)
        return result

    @strawberry.mutation
    async def update_add_on(
        self, info: Info, id: strawberry.ID, input: AddOnInput
    ) -> UpdateAddOnResult:
        """Replace its name and settings (the whole spec, as a YAML apply does)."""
        result: UpdateAddOnResult = await _update(
            UpdateAddOnResult, info.context.actor, resources.ADD_ON, id, input, AddOn.from_row)
        return result

    @strawberry.mutation
    async def delete_add_on(self, info: Info, id: strawberry.ID) -> DeleteAddOnResult:
        result: DeleteAddOnResult = await _delete(
            DeleteAddOnResult, info.context.actor, resources.ADD_ON, id)
        return result

    @strawberry.mutation
    async def create_model(
        self, info: Info, input: ModelInput
    ) -> CreateModelResult:
        result: CreateModelResult = await _create(
            CreateModelResult, info.context.actor, resources.MODEL, input, Model.from_row)
        return result

    @strawberry.mutation
    async def update_model(
        self, info: Info, id: strawberry.ID, input: ModelInput
    ) -> UpdateModelResult:
        """Replace its name and settings (the whole spec, as a YAML apply does)."""
        result: UpdateModelResult = await _update(
            UpdateModelResult, info.context.actor, resources.MODEL, id, input, Model.from_row)
        return result

    @strawberry.mutation
    async def delete_model(self, info: Info, id: strawberry.ID) -> DeleteModelResult:
        result: DeleteModelResult = await _delete(
            DeleteModelResult, info.context.actor, resources.MODEL, id)
        return result
