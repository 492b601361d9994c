"""Scalars: JSON, and the opaque `Cursor` of connections and subscriptions."""

from __future__ import annotations

import base64
import binascii
from typing import NewType

import strawberry
from strawberry.scalars import JSON

__all__ = ["CURSOR_SCALAR", "JSON", "Cursor", "decode_cursor", "encode_cursor"]


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(value: str) -> str:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("not a cursor returned by this API") from None


Cursor = NewType("Cursor", str)


def _checked_cursor(value: object) -> Cursor:
    if not isinstance(value, str) or not value.isascii():
        raise ValueError("a cursor is a string returned by this API")
    decode_cursor(value)
    return Cursor(value)


# Mapped onto `Cursor` through the schema config's scalar_map.
CURSOR_SCALAR = strawberry.scalar(
    name="Cursor",
    description="An opaque position in a list or an event stream, as returned in `cursor`, "
    "`pageInfo.startCursor` and `pageInfo.endCursor`.",
    serialize=str,
    parse_value=_checked_cursor,
)
