"""Create, update (replace) and delete resources; organization admins only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry

from domain import resources
from domain.access import Actor
from domain.resources import ResourceKind
from graphql_api.context import Info
from graphql_api.mutation_result import missing, run
from graphql_api.resources.inputs import AddOnInput, DataSourceInput, EnvironmentInput, ModelInput
from graphql_api.types.errors import ErrorType, NotFound
from graphql_api.types.inputs import to_json
from graphql_api.types.resources import AddOn, DataSource, Environment, Model
from graphql_api.types.scalars import to_id

T = TypeVar("T")
Row = dict[str, Any]  # Any: column values

EnvironmentResult = Annotated[Environment | ErrorType, strawberry.union("EnvironmentResult")]
DataSourceResult = Annotated[DataSource | ErrorType, strawberry.union("DataSourceResult")]
AddOnResult = Annotated[AddOn | ErrorType, strawberry.union("AddOnResult")]
ModelResult = Annotated[Model | ErrorType, strawberry.union("ModelResult")]


@strawberry.type
class ResourceDeleted:
    id: strawberry.ID
    name: str


DeleteResourceResult = Annotated[
    ResourceDeleted | ErrorType, strawberry.union("DeleteResourceResult")
]


def _spec(input: object) -> tuple[str, dict[str, Any]]:
    data = to_json(input)
    return str(data.pop("name")), data


async def _save(
    actor: Actor, kind: ResourceKind, id: strawberry.ID | None, input: object,
    wrap: Callable[[Row], T],
) -> T | ErrorType:
    name, spec = _spec(input)

    async def call() -> Row:
        if id is None:
            return await resources.create_resource(actor, kind, name, spec)
        resource_id = to_id(id)
        if resource_id is None:
            raise missing(f"{kind.label} {id}")
        return await resources.update_resource(actor, kind, resource_id, name, spec)

    gone = NotFound(message=f"{kind.label} {id} does not exist", id=id or strawberry.ID(""))
    return await run(call, wrap, gone, "input.")


async def _delete(actor: Actor, kind: ResourceKind, id: strawberry.ID) -> Any:
    async def call() -> Row:
        resource_id = to_id(id)
        if resource_id is None:
            raise missing(f"{kind.label} {id}")
        return await resources.delete_resource(actor, kind, resource_id)

    return await run(
        call, lambda row: ResourceDeleted(id=strawberry.ID(str(row["id"])), name=row["name"]),
        NotFound(message=f"{kind.label} {id} does not exist", id=id),
    )


@strawberry.type
class ResourceMutations:
    @strawberry.mutation
    async def create_environment(self, info: Info, input: EnvironmentInput) -> EnvironmentResult:
        return await _save(info.context.actor, resources.ENVIRONMENT, None, input,
                           Environment.from_row)

    @strawberry.mutation
    async def update_environment(
        self, info: Info, id: strawberry.ID, input: EnvironmentInput
    ) -> EnvironmentResult:
        return await _save(info.context.actor, resources.ENVIRONMENT, id, input,
                           Environment.from_row)

    @strawberry.mutation
    async def delete_environment(self, info: Info, id: strawberry.ID) -> DeleteResourceResult:
        result: DeleteResourceResult = await _delete(info.context.actor, resources.ENVIRONMENT, id)
        return result

    @strawberry.mutation
    async def create_data_source(self, info: Info, input: DataSourceInput) -> DataSourceResult:
        return await _save(info.context.actor, resources.DATA_SOURCE, None, input,
                           DataSource.from_row)

    @strawberry.mutation
    async def update_data_source(
        self, info: Info, id: strawberry.ID, input: DataSourceInput
    ) -> DataSourceResult:
        return await _save(info.context.actor, resources.DATA_SOURCE, id, input,
                           DataSource.from_row)

    @strawberry.mutation
    async def delete_data_source(self, info: Info, id: strawberry.ID) -> DeleteResourceResult:
        result: DeleteResourceResult = await _delete(info.context.actor, resources.DATA_SOURCE, id)
        return result

    @strawberry.mutation
    async def create_add_on(self, info: Info, input: AddOnInput) -> AddOnResult:
        return await _save(info.context.actor, resources.ADD_ON, None, input, AddOn.from_row)

    @strawberry.mutation
    async def update_add_on(self, info: Info, id: strawberry.ID, input: AddOnInput) -> AddOnResult:
        return await _save(info.context.actor, resources.ADD_ON, id, input, AddOn.from_row)

    @strawberry.mutation
    async def delete_add_on(self, info: Info, id: strawberry.ID) -> DeleteResourceResult:
        result: DeleteResourceResult = await _delete(info.context.actor, resources.ADD_ON, id)
        return result

    @strawberry.mutation
    async def create_model(self, info: Info, input: ModelInput) -> ModelResult:
        return await _save(info.context.actor, resources.MODEL, None, input, Model.from_row)

    @strawberry.mutation
    async def update_model(self, info: Info, id: strawberry.ID, input: ModelInput) -> ModelResult:
        return await _save(info.context.actor, resources.MODEL, id, input, Model.from_row)

    @strawberry.mutation
    async def delete_model(self, info: Info, id: strawberry.ID) -> DeleteResourceResult:
        result: DeleteResourceResult = await _delete(info.context.actor, resources.MODEL, id)
        return result
