"""Global object ids (the Relay spec, as GitHub's API does it): `<Type>:<key>` encoded in
URL-safe base64 without padding, so ids are opaque, unique across types and stable.

`decode_id` checks an id given as an argument: malformed, or naming another type, it raises
`InvalidArgument` (a domain InvalidInput with the argument's field path), never a server
error.
"""

from __future__ import annotations

import base64
import binascii
import re

import strawberry

from domain.errors import InvalidInput
from domain.spec.errors import SpecError

_KEY = re.compile(r"[0-9]{1,10}")
_MAX_INT4 = 2**31 - 1


class InvalidArgument(InvalidInput):
    """An argument that cannot be used, with its field path (shown as InvalidInput)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", [SpecError(None, None, None, field, message)])
        self.field = field


def global_id(type_name: str, key: int) -> strawberry.ID:
    raw = f"{type_name}:{key}".encode()
    return strawberry.ID(base64.urlsafe_b64encode(raw).decode().rstrip("="))


def parse_global_id(value: str) -> tuple[str, int] | None:
    """(type name, key) of an id this API issued, None for anything else."""
    text = str(value)
    if not text.isascii() or len(text) > 64:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, _, key = raw.partition(":")
    if not type_name.isidentifier() or not _KEY.fullmatch(key) or int(key) > _MAX_INT4:
        return None
    return type_name, int(key)


def decode_id(value: str, type_name: str, field: str) -> int:
    """The key of an id of `type_name` given as argument `field`; InvalidArgument otherwise."""
    parsed = parse_global_id(value)
    if parsed is None:
        raise InvalidArgument(field, f"{value!r} is not an id issued by this API (ids are opaque:"
                        " take them from a query result)")
    if parsed[0] != type_name:
        raise InvalidArgument(field, f"the id names a {parsed[0]}, not a {type_name}")
    return parsed[1]


def decode_ids(values: list[strawberry.ID], type_name: str, field: str) -> list[int]:
    return [decode_id(value, type_name, f"{field}.{n}") for n, value in enumerate(values)]
