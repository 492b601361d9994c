"""Strict parsing of JSON request bodies that become stored input (webhook deliveries).

PostgreSQL's jsonb refuses what Python's `json` accepts: `NaN` and `Infinity`, the character
`\\u0000` and lone UTF-16 surrogates; deep nesting overflows the parser's stack. Each is refused
here with a message naming it, before anything is stored.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 64


class InvalidJsonBody(ValueError):
    """The body is not JSON that can be stored; the message says what is wrong."""


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects, outside strings (a linear scan, so that a
    deep document is refused without recursing into it)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _constant(name: str) -> Any:  # Any: json's parse_constant hook
    raise InvalidJsonBody(f"the body contains {name}, which JSON does not allow")


def _check_text(value: str, where: str) -> None:
    if "\x00" in value:
        raise InvalidJsonBody(f"{where} contains the character \\u0000, which cannot be stored")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidJsonBody(f"{where} contains a lone UTF-16 surrogate (an escape such as "
                              "\\ud800 without its pair)") from None


def _check(value: Any, path: str) -> None:  # Any: a parsed JSON value
    if isinstance(value, str):
        _check_text(value, f"the string at {path}")
    elif isinstance(value, float) and not math.isfinite(value):
        raise InvalidJsonBody(f"the number at {path} is too large to store")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, f"a key at {path}")
            _check(item, f"{path}.{key}")


def parse_json_body(body: bytes) -> Any:
    """The JSON value of a request body (Any: JSON); raises InvalidJsonBody."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidJsonBody(f"the body is not UTF-8 (byte {error.start})") from None
    if _depth(text) > MAX_DEPTH:
        raise InvalidJsonBody(f"the body nests arrays and objects deeper than {MAX_DEPTH} "
                              "levels")
    try:
        value = json.loads(text, parse_constant=_constant)
    except json.JSONDecodeError as error:
        raise InvalidJsonBody(f"the body is not JSON: {error.msg} at line {error.lineno} "
                              f"column {error.colno}") from None
    except ValueError as error:  # e.g. an integer beyond Python's digit limit
        raise InvalidJsonBody(f"the body is not storable JSON: {error}") from None
    _check(value, "$")
    return value
