"""The one way a field turns a domain call into its result union.

A result union lists exactly the errors its field can return. `run` maps a domain error to
its error type and checks that the union lists it: a domain error the union does not list
(or that no type maps) is a bug, raised as such, so it surfaces as an unexpected error in
tests and logs instead of reaching clients as a member they were never told about.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from domain.errors import DomainError
from graphql_api.types.errors import Error, from_domain_error

T = TypeVar("T")


class UndeclaredError(TypeError):
    """A field returned an error type its result union does not list."""


@functools.cache
def union_members(result: Any) -> frozenset[type]:  # Any: an Annotated strawberry union
    """The member types of a result union (`Annotated[A | B, strawberry.union(...)]`)."""
    union = typing.get_args(result)[0]
    return frozenset(typing.get_args(union))


def checked(result: Any, error: Error) -> Any:  # Any: see `run`
    """`error`, if the result union `result` lists its type (UndeclaredError otherwise)."""
    if type(error) not in union_members(result):
        raise UndeclaredError(f"{type(error).__name__} is not a member of {result}")
    return error


async def run(
    result: Any,
    call: Callable[[], Awaitable[T]],
    wrap: Callable[[T], Any],
    *,
    not_found: Error | None = None,
    field_prefix: str = "",
) -> Any:
    """`wrap(await call())`, or the error type of the domain error it raised, checked against
    the union `result` (Any: `result` is an Annotated union, the value one of its members)."""
    try:
        value = await call()
    except DomainError as exc:
        return checked(result, from_domain_error(exc, not_found=not_found,
                                                 field_prefix=field_prefix))
    return wrap(value)
