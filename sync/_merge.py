"""Merge new values into a round-trip YAML tree in place, keeping what a person wrote.

Keys present in the file stay in their order (and get the full value, defaults included);
keys the new value lacks are removed; new keys are added only with non-default values.
Unchanged values are not touched, so their comments and scalar styles survive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def merge(old: Any, full: Mapping[str, Any], minimal: Mapping[str, Any]) -> None:
    """Update the mapping `old` in place (Any: ruamel round-trip nodes and JSON values)."""
    for key in [k for k in old if k not in full]:
        del old[key]
    for key, value in full.items():
        if key in old:
            replaced = _merged(old[key], value, minimal.get(key))
            if replaced is not old[key]:
                old[key] = replaced
        elif key in minimal:
            old[key] = minimal[key]


def _merged(old: Any, full: Any, minimal: Any) -> Any:
    """The value to keep at a key (Any: round-trip nodes and JSON values)."""
    if isinstance(old, Mapping) and isinstance(full, Mapping):
        merge(old, full, minimal if isinstance(minimal, Mapping) else {})
        return old
    if isinstance(old, list) and isinstance(full, list) and len(old) == len(full):
        parts = minimal if isinstance(minimal, list) and len(minimal) == len(full) else full
        for number, item in enumerate(full):
            replaced = _merged(old[number], item, parts[number])
            if replaced is not old[number]:
                old[number] = replaced
        return old
    if old == full and isinstance(old, bool) == isinstance(full, bool):
        return old
    return minimal if minimal is not None else full
