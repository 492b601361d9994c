"""The one way a mutation turns a domain call into its result union."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from domain.errors import DomainError, NotFound
from graphql_api.types.errors import ErrorType, from_domain_error

T = TypeVar("T")
Row = dict[str, Any]  # Any: column values


async def run(
    call: Callable[[], Awaitable[Row]],
    wrap: Callable[[Row], T],
    not_found: ErrorType,
    field_prefix: str = "",
) -> T | ErrorType:
    """`wrap(await call())`, or the typed error for an expected domain failure."""
    try:
        row = await call()
    except DomainError as exc:
        return from_domain_error(exc, not_found=not_found, field_prefix=field_prefix)
    return wrap(row)


def missing(what: str) -> NotFound:
    """The NotFound for an id argument that cannot name a row."""
    return NotFound(f"{what} does not exist")
