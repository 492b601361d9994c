"""Lean resolvers: sync field resolvers that graphql-core calls directly.

Strawberry wraps every resolver it calls (argument conversion, its own `Info`, the field
extension chain): ~0.1 ms a call, which a `workflows(first: 100)` page pays hundreds of times
for `owner`, `sharedWith`, `webhookUrl`, `executions`, `triggeredBy` and edge cursors. A
resolver marked `@lean` reads only `info.context` (graphql-core's resolve info has it too) and
has no permission classes or field extensions; `install` hands it to graphql-core as the
field's resolver once the schema is built. Its scalar arguments come as graphql-core coerced
them; when an argument that Strawberry converts (an input object, an enum, a list of them) is
given, that call goes through Strawberry's resolver instead. Everything else about the field
(its type, its description, errors and their masking) stays Strawberry's.

`install` also gives each plain field (no resolver, no extensions) graphql-core's shortest
path to the attribute, instead of Strawberry's three calls per value.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLField, GraphQLObjectType, GraphQLScalarType, get_nullable_type
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "__flowplane_lean__"
Resolve = Callable[..., Any]


def lean(resolver: F) -> F:
    """Mark a sync resolver `(self[, info][, arguments...])` as lean (see module doc)."""
    setattr(resolver, _MARK, True)
    return resolver


def _direct(resolver: Resolve, fallback: Resolve | None, plain: dict[str, str],
            converted: dict[str, str]) -> Resolve:
    takes_info = "info" in inspect.signature(resolver).parameters
    if not plain and not converted:
        if takes_info:
            return lambda source, info: resolver(source, info)  # info.context: the request's
        return lambda source, _info: resolver(source)

    def resolve(source: Any, info: Any, **args: Any) -> Any:  # Any: graphql-core's values
        kwargs = {}
        for name, value in args.items():
            if name in plain:
                kwargs[plain[name]] = value
            elif value is not None and fallback is not None:
                return fallback(source, info, **args)  # Strawberry converts it
            else:
                kwargs[converted[name]] = None
        return resolver(source, info, **kwargs) if takes_info else resolver(source, **kwargs)

    return resolve


def _attribute(name: str) -> Resolve:
    return lambda source, _info: getattr(source, name)


def _lean_resolver(name: str, field: StrawberryField, graphql_field: GraphQLField,
                   schema: strawberry.Schema) -> Resolve | None:
    resolver = field.base_resolver
    function = None if resolver is None else resolver.wrapped_func
    if not callable(function) or not getattr(function, _MARK, False):
        return None
    if field.permission_classes or field.extensions:
        raise TypeError(f"{name}.{field.python_name} cannot be lean")
    plain: dict[str, str] = {}
    converted: dict[str, str] = {}
    for argument in field.arguments:
        graphql_name = schema.config.name_converter.from_argument(argument)
        kind = get_nullable_type(graphql_field.args[graphql_name].type)
        target = plain if isinstance(kind, GraphQLScalarType) else converted
        target[graphql_name] = argument.python_name
    return _direct(function, graphql_field.resolve, plain, converted)


def install(schema: strawberry.Schema) -> int:
    """Let graphql-core call the schema's lean resolvers (and plain attributes) directly; how
    many lean resolvers there are."""
    installed = 0
    plain_attributes = schema.config.default_resolver is getattr  # Strawberry's basic fields
    for name, graphql_type in schema._schema.type_map.items():
        definition = schema.get_type_by_name(name)
        if not isinstance(graphql_type, GraphQLObjectType) or not isinstance(
                definition, StrawberryObjectDefinition):
            continue
        for field in definition.fields:
            graphql_field = graphql_type.fields.get(
                schema.config.name_converter.get_graphql_name(field))
            if graphql_field is None:  # not in the schema (a private or hidden field)
                continue
            direct = _lean_resolver(name, field, graphql_field, schema)
            if direct is not None:
                graphql_field.resolve = direct
                installed += 1
            elif plain_attributes and getattr(graphql_field.resolve, "_is_default", False):
                graphql_field.resolve = _attribute(field.python_name)
    return installed
