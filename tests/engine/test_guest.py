"""The guest writes its answer without importing json: its encoder must agree with
`json.dumps(allow_nan=False)` on every JSON value and refuse what json refuses."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.sandbox.guest import _encode

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=30)


@given(JSON)
def test_encodes_every_json_value_as_json_does(value: Any) -> None:
    assert json.loads(_encode(value)) == json.loads(json.dumps(value))


@pytest.mark.parametrize("value", [
    {1: "a", 2.5: "b", False: "c", None: "d"}, (1, [2, (3,)]), "é\n\"\\\u2028", -0.0, 10**40,
])
def test_keys_tuples_and_text_follow_json(value: Any) -> None:
    assert _encode(value) == json.dumps(value, separators=(",", ":"))


@pytest.mark.parametrize(("value", "error"), [
    ({1, 2}, "Object of type set is not JSON serializable"),
    (b"x", "Object of type bytes is not JSON serializable"),
    (math.nan, "Out of range float values are not JSON compliant"),
    ([math.inf], "Out of range float values are not JSON compliant"),
    ({(1, 2): 3}, "keys must be str, int, float, bool or None, not tuple"),
])
def test_refuses_what_json_refuses(value: Any, error: str) -> None:
    with pytest.raises((TypeError, ValueError), match=error.split(":")[0]):
        _encode(value)


def test_a_circular_value_is_refused_not_a_crash() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="nested deeper than"):
        _encode(loop)
