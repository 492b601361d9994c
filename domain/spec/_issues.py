"""Validation findings before they are placed in a file: (field path, message) pairs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from domain.spec.errors import Loc

Issue = tuple[Loc, str]
M = TypeVar("M", bound=BaseModel)
_SCALAR_TYPE_ERRORS = ("_type", "_parsing", "literal_error")


def validate_model(model: type[M], data: Any, prefix: Loc = ()) -> tuple[M | None, list[Issue]]:
    """Validate `data` (Any: raw YAML/JSON) and turn pydantic errors into issues."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, issues_from(exc, data, prefix)


def issues_from(exc: ValidationError, data: Any, prefix: Loc = ()) -> list[Issue]:
    grouped: dict[Loc, list[str]] = {}
    for error in exc.errors(include_url=False):
        loc = prefix + data_loc(data, error["loc"])
        message = _message(error)
        if message not in grouped.setdefault(loc, []):
            grouped[loc].append(message)
    return [(loc, "; ".join(messages)) for loc, messages in grouped.items()]


def data_loc(data: Any, loc: Sequence[str | int]) -> Loc:
    """Keep the parts of a pydantic location that address the input (drop union tags)."""
    kept: list[str | int] = []
    current: Any = data
    for part in loc:
        if isinstance(current, Mapping) and isinstance(part, str):
            kept.append(part)
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            kept.append(part)
            current = current[part]
        # otherwise: a union member / validator tag, not a place in the input
    return tuple(kept)


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "field required"
    message = error["msg"]
    if kind in ("value_error", "assertion_error"):
        message = message.split(", ", 1)[-1]
    if any(kind.endswith(t) for t in _SCALAR_TYPE_ERRORS) and _is_scalar(error["input"]):
        message += f", got {error['input']!r}"
    return message


def _is_scalar(value: object) -> bool:
    return value is None or (isinstance(value, str | int | float | bool) and len(repr(value)) < 60)
