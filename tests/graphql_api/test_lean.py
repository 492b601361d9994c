"""Lean resolvers (graphql_api.types.lean): graphql-core calls them directly, with the context
reachable as Strawberry's resolvers have it, scalar arguments as graphql-core coerced them and
converted ones (input objects) through Strawberry; plain fields read directly."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import strawberry

from graphql_api.schema import build_schema
from graphql_api.types.lean import install, lean


@dataclass
class LeanContext:
    greeting: str


@strawberry.type
class LeanThing:
    name: str

    @strawberry.field
    @lean
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    @lean
    def greet(self, info: strawberry.Info[LeanContext, None]) -> str:
        return f"{info.context.greeting}, {self.name}"


@strawberry.type
class LeanQuery:
    @strawberry.field
    def thing(self) -> LeanThing:
        return LeanThing(name="ada")


def test_lean_resolvers_are_called_by_graphql_core_with_the_context() -> None:
    schema = strawberry.Schema(query=LeanQuery)
    assert install(schema) == 2
    field = schema._schema.type_map["LeanThing"].fields["shout"]  # type: ignore[union-attr]
    assert field.resolve is not None and field.resolve.__module__ == "graphql_api.types.lean"
    result = schema.execute_sync("{ thing { shout greet } }",
                                 context_value=LeanContext(greeting="hello"))
    assert result.errors is None
    assert result.data == {"thing": {"shout": "ADA", "greet": "hello, ada"}}


@strawberry.input
class Shape:
    loud: bool = False


def test_scalar_arguments_come_from_graphql_core_and_converted_ones_through_strawberry(
) -> None:
    seen: list[object] = []

    @strawberry.type
    class Query:
        @strawberry.field
        @lean
        def echo(self, text: str, times: int = 1, shape: Shape | None = None) -> str:
            seen.append(shape)
            said = text * times
            return said.upper() if shape is not None and shape.loud else said

    schema = strawberry.Schema(query=Query)
    assert install(schema) == 1
    result = schema.execute_sync('{ a: echo(text: "ho", times: 2) '
                                 'b: echo(text: "hi", shape: {loud: true}) '
                                 'c: echo(text: "x", shape: null) }', root_value=Query())
    assert result.errors is None
    assert result.data == {"a": "hoho", "b": "HI", "c": "x"}
    # Only the call with an input object went through Strawberry's conversion.
    assert seen == [None, Shape(loud=True), None]


def test_a_lean_resolver_with_permission_classes_is_refused() -> None:
    class Nobody(strawberry.BasePermission):
        def has_permission(self, source: object, info: object, **kwargs: object) -> bool:
            return False

    @strawberry.type
    class Query:
        @strawberry.field(permission_classes=[Nobody])
        @lean
        def echo(self) -> str:
            return "no"

    with pytest.raises(TypeError, match=r"Query\.echo cannot be lean"):
        install(strawberry.Schema(query=Query))


def test_plain_fields_are_read_by_graphql_core_directly() -> None:
    schema = strawberry.Schema(query=LeanQuery)
    install(schema)
    field = schema._schema.type_map["LeanThing"].fields["name"]  # type: ignore[union-attr]
    assert field.resolve is not None and field.resolve.__module__ == "graphql_api.types.lean"
    assert schema.execute_sync("{ thing { name } }").data == {"thing": {"name": "ada"}}


def test_the_api_schema_has_its_lean_fields_installed() -> None:
    schema = build_schema(dev_mode=False)
    for type_name, field_name in (("Execution", "triggeredBy"), ("Workflow", "owner"),
                                  ("Workflow", "sharedWith"), ("Workflow", "webhookUrl"),
                                  ("Workflow", "executions"),
                                  ("PageInfo", "endCursor")):
        resolve = schema._schema.type_map[type_name].fields[field_name].resolve  # type: ignore[union-attr]
        assert resolve is not None and resolve.__module__ == "graphql_api.types.lean", (
            type_name, field_name)
