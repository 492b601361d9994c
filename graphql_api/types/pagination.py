"""Relay-style connections: `edges { cursor node }`, `pageInfo { hasNextPage endCursor }`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from graphql_api.types.scalars import Cursor, encode_cursor

T = TypeVar("T")
R = TypeVar("R")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: Cursor | None


@strawberry.type
class Edge(Generic[T]):
    cursor: Cursor
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def connection(
    rows: Sequence[R], limit: int, node: Callable[[R], T], cursor: Callable[[R], str]
) -> Connection[T]:
    """A page from `rows`, fetched with one extra row to tell whether there is a next page."""
    page = rows[:limit]
    edges = [Edge(cursor=Cursor(encode_cursor(cursor(row))), node=node(row)) for row in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > limit,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
