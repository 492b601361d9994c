"""Kubernetes resource quantities ("1Gi", "500m", "1.5e3"), parsed as the API server does."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_PATTERN = re.compile(
    rf"^(?P<number>{_NUMBER})(?:(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|"
    r"[eE](?P<exponent>[+-]?[0-9]+))?$"
)
# Kubernetes stores quantities as int64 of the smallest unit; beyond that it rejects them.
_MAX = Decimal(2**63 - 1)


class QuantityError(ValueError):
    """The text is not a quantity Kubernetes would accept."""


def parse_quantity(text: str) -> Decimal:
    """Return the value of a Kubernetes quantity, or raise QuantityError."""
    match = _PATTERN.match(text)
    if match is None:
        raise QuantityError(f"{text!r} is not a Kubernetes quantity (e.g. 512Mi, 1Gi, 1.5G, 500m)")
    try:
        number = Decimal(match["number"])
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only decimals
        raise QuantityError(f"{text!r} is not a number") from exc
    suffix, exponent = match["suffix"] or "", match["exponent"]
    if suffix in _BINARY:
        value = number * _BINARY[suffix]
    elif exponent is not None:
        if abs(int(exponent)) > 30:
            raise QuantityError(f"{text!r}: exponent out of range")
        value = number.scaleb(int(exponent))
    else:
        value = number.scaleb(_DECIMAL[suffix])
    if abs(value) > _MAX:
        raise QuantityError(f"{text!r} is too large")
    return value


def validate_byte_quantity(text: str) -> str:
    """A positive byte amount (memory, disk); returns the text unchanged."""
    value = parse_quantity(text)
    if value <= 0:
        raise QuantityError(f"{text!r} must be greater than zero")
    if value < 1:
        hint = f" (did you mean {text[:-1]}Mi?)" if text.endswith("m") else ""
        raise QuantityError(f"{text!r} is less than one byte{hint}")
    return text
