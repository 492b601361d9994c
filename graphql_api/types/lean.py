"""Lean resolvers: sync field resolvers without arguments that graphql-core calls directly.

Strawberry wraps every resolver it calls (argument conversion, its own `Info`, the field
extension chain): ~0.1 ms a call, which a `workflows(first: 100)` page pays ~800 times for
`owner`, `sharedWith`, `webhookUrl`, `triggeredBy` and edge cursors. A resolver marked
`@lean` takes no GraphQL arguments, reads only `info.context` (graphql-core's resolve info
has it too), and has no permission classes or field extensions; `install` hands it to
graphql-core as the field's resolver once the schema is built. Everything else about the
field (its type, its description, errors and their masking) stays Strawberry's.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLObjectType
from strawberry.types.base import StrawberryObjectDefinition

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "__flowplane_lean__"


def lean(resolver: F) -> F:
    """Mark a sync resolver `(self)` or `(self, info)` without GraphQL arguments."""
    setattr(resolver, _MARK, True)
    return resolver


def _direct(resolver: Callable[..., Any]) -> Callable[..., Any]:
    if len(inspect.signature(resolver).parameters) == 1:
        return lambda source, _info: resolver(source)
    return lambda source, info: resolver(source, info)  # info.context: the request's


def install(schema: strawberry.Schema) -> int:
    """Let graphql-core call the schema's lean resolvers directly; how many there are."""
    installed = 0
    for name, graphql_type in schema._schema.type_map.items():
        definition = schema.get_type_by_name(name)
        if not isinstance(graphql_type, GraphQLObjectType) or not isinstance(
                definition, StrawberryObjectDefinition):
            continue
        for field in definition.fields:
            resolver = field.base_resolver
            function = None if resolver is None else resolver.wrapped_func
            if not callable(function) or not getattr(function, _MARK, False):
                continue
            if field.arguments or field.permission_classes or field.extensions:
                raise TypeError(f"{name}.{field.python_name} cannot be lean")
            graphql_name = schema.config.name_converter.get_graphql_name(field)
            graphql_type.fields[graphql_name].resolve = _direct(function)
            installed += 1
    return installed
