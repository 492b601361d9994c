"""Relay connections: `edges { cursor node }`, `nodes`, `pageInfo { hasNextPage
hasPreviousPage startCursor endCursor }`, paged with `first`/`after` or `last`/`before`.

Cursors hold the row's key in its list (opaque to clients). Arguments out of range (a
negative or too large `first`/`last`, both at once, a cursor of another list) are field
errors with `extensions.code` BAD_USER_INPUT, never a silent clamp. When paging forward,
`hasPreviousPage` says whether the page started after a cursor (and the mirror image when
paging backward), as the Relay spec allows.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError

from domain.pages import Key, Page, Window
from domain.rows import Row
from graphql_api.types.lean import lean
from graphql_api.types.scalars import Cursor, decode_cursor, encode_cursor

T = TypeVar("T")
C = TypeVar("C", bound="Connection[Any]")
# A row of a list: a typed row (domain.rows); every listing names its class.
R = TypeVar("R", bound=Row)
# A listing only reads rows, so one keyed on a base row class keys its subclasses' lists too.
R_contra = TypeVar("R_contra", bound=Row, contravariant=True)
MAX_PAGE = 100
DEFAULT_PAGE = 20


class BadArgument(GraphQLError):
    """An argument the field cannot honour; shown to the client as is (not masked)."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(f"{argument}: {message}",
                         extensions={"code": "BAD_USER_INPUT", "argument": argument})


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    first_row: strawberry.Private[Any]  # Any: a row of `listing`, None for an empty page
    last_row: strawberry.Private[Any]
    listing: strawberry.Private[Listing[Any]]

    # Encoded only when asked for, as edge cursors are.
    @strawberry.field
    @lean
    def start_cursor(self) -> Cursor | None:
        return None if self.first_row is None else self.listing.cursor(self.first_row)

    @strawberry.field
    @lean
    def end_cursor(self) -> Cursor | None:
        return None if self.last_row is None else self.listing.cursor(self.last_row)


@strawberry.type
class Edge(Generic[T]):
    # The cursor is encoded only when asked for: most lists select `nodes` or `edges { node }`.
    @strawberry.field
    @lean
    def cursor(self) -> Cursor:
        return self.listing.cursor(self.row)

    node: T
    row: strawberry.Private[Any]  # Any: a row of `listing`
    listing: strawberry.Private[Listing[Any]]


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T] = strawberry.field(description="The nodes of `edges`, for brevity.")
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]] | None] = None


@strawberry.type
class CountedConnection(Connection[T]):
    """A connection whose total is cheap to count."""

    @strawberry.field
    async def total_count(self) -> int:
        """How many nodes the list has in all, on every page."""
        assert self.count is not None, "a counted connection is built with a count"
        return await self.count()


@dataclass(frozen=True)
class Listing(Generic[R_contra]):
    """How one list is keyed: the key of a row and the types of its parts (for cursors)."""

    name: str
    key: Callable[[R_contra], Key]
    types: tuple[type, ...]

    def cursor(self, row: R_contra) -> Cursor:
        parts = [v.isoformat() if isinstance(v, datetime) else v for v in self.key(row)]
        return Cursor(encode_cursor(json.dumps([self.name, *parts])))

    def decode(self, cursor: Cursor, argument: str) -> Key:
        try:
            name, *parts = json.loads(decode_cursor(cursor))
            if name != self.name or len(parts) != len(self.types):
                raise ValueError(name)
            return tuple(_part(kind, part) for kind, part in zip(self.types, parts, strict=True))
        except (ValueError, TypeError):
            raise BadArgument(argument, "not a cursor of this list") from None


def _part(kind: type, value: Any) -> Any:  # Any: a decoded JSON value, then a key part
    if kind is datetime:
        return datetime.fromisoformat(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(value)
    return value


def _size(argument: str, value: int | None) -> int | None:
    if value is not None and not 0 <= value <= MAX_PAGE:
        raise BadArgument(argument, f"must be between 0 and {MAX_PAGE}, got {value}")
    return value


def window(
    listing: Listing[Any], first: int | None, after: Cursor | None, last: int | None,
    before: Cursor | None, default: int = DEFAULT_PAGE,
) -> Window:
    """The rows a connection's arguments ask for (BadArgument for what it cannot honour)."""
    first, last = _size("first", first), _size("last", last)
    if first is not None and last is not None:
        raise BadArgument("last", "give first or last, not both")
    return Window(
        size=first if first is not None else last if last is not None else default,
        after=None if after is None else listing.decode(after, "after"),
        before=None if before is None else listing.decode(before, "before"),
        from_end=last is not None,
    )


def connection(
    cls: type[C], listing: Listing[R], page: Page[R], window: Window, node: Callable[[R], Any],
    count: Callable[[], Awaitable[int]] | None = None,
) -> C:
    """The connection of `cls` for one page of `listing`."""
    rows = page.rows
    edges = [Edge(node=node(row), row=row, listing=listing) for row in rows]
    forward = not window.from_end
    info = PageInfo(
        has_next_page=page.has_more if forward else window.before is not None,
        has_previous_page=window.after is not None if forward else page.has_more,
        first_row=rows[0] if rows else None, last_row=rows[-1] if rows else None,
        listing=listing,
    )
    return cls(edges=edges, nodes=[edge.node for edge in edges], page_info=info, count=count)
