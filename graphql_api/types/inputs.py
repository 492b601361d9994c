"""Turning GraphQL inputs into the camelCase JSON the domain validates (the same shape as the
YAML documents), so input errors carry the same field paths."""

from __future__ import annotations

import dataclasses
import re
from enum import Enum
from typing import Any

import strawberry


def _camel(name: str) -> str:
    name = name.rstrip("_")  # `from_` is `from`
    return re.sub(r"_([a-z])", lambda m: m[1].upper(), name)


def to_json(value: Any) -> Any:
    """JSON from an input object (Any: inputs, lists, enums, scalars); unset and null fields
    are left out so the spec's defaults apply."""
    if isinstance(value, Enum):
        return value.value
    custom = getattr(value, "to_json", None)
    if callable(custom):
        return custom()
    if isinstance(value, list):
        return [to_json(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            _camel(f.name): to_json(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) not in (None, strawberry.UNSET)
        }
    return value
