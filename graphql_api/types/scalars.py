"""Scalars and argument parsing: JSON, opaque cursors, database ids, capped page sizes."""

from __future__ import annotations

import base64
import binascii
from typing import NewType

import strawberry
from strawberry.scalars import JSON

__all__ = [
    "CURSOR_SCALAR", "JSON", "MAX_PAGE", "Cursor", "decode_cursor", "encode_cursor", "page_size",
    "to_id",
]

MAX_PAGE = 100
_MAX_INT4 = 2**31 - 1


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode()


def decode_cursor(value: str) -> str:
    try:
        return base64.urlsafe_b64decode(value.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("not a cursor returned by this API") from None


Cursor = NewType("Cursor", str)


def _checked_cursor(value: object) -> Cursor:
    if not isinstance(value, str):
        raise ValueError("a cursor is a string")
    decode_cursor(value)
    return Cursor(value)


# Mapped onto `Cursor` through the schema config's scalar_map.
CURSOR_SCALAR = strawberry.scalar(
    name="Cursor",
    description="An opaque position in a list, as returned in pageInfo.endCursor.",
    serialize=str,
    parse_value=_checked_cursor,
)


def to_id(value: strawberry.ID | str) -> int | None:
    """A database id from a GraphQL ID; None when it cannot name a row."""
    text = str(value)
    # isascii: str.isdigit() also accepts digits such as "¹" that int() refuses.
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or int(text) > _MAX_INT4:
        return None
    return int(text)


def page_size(first: int | None, default: int = 20) -> int:
    """`first` clamped to 0..MAX_PAGE."""
    return max(0, min(MAX_PAGE, default if first is None else first))
