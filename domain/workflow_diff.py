"""What changed between two revisions of a workflow definition, as a flat list of paths.

Dicts are compared key by key and lists of objects with an `id` (nodes) by id, so renaming a
parameter of one node reads `nodes[summary].params.prompt`; other lists compare as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    path: str
    before: Any  # Any: a JSON value, None when the path was added
    after: Any  # Any: a JSON value, None when the path was removed


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _by_id(value: Any) -> dict[str, Any] | None:
    """A list of objects with unique string ids as a dict by id, else None."""
    if not isinstance(value, list) or not all(
        isinstance(item, dict) and isinstance(item.get("id"), str) for item in value
    ):
        return None
    keyed = {item["id"]: item for item in value}
    return keyed if len(keyed) == len(value) else None


def diff(before: Any, after: Any, path: str = "") -> list[Change]:
    """Changes turning `before` into `after` (Any: JSON values), in a stable order."""
    if before == after:
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[Change] = []
        for key in list(before) + [k for k in after if k not in before]:
            changes += diff(before.get(key), after.get(key), _join(path, key))
        return changes
    old, new = _by_id(before), _by_id(after)
    if old is not None and new is not None and (old or new):
        changes = []
        for key in list(old) + [k for k in new if k not in old]:
            changes += diff(old.get(key), new.get(key), f"{path}[{key}]")
        return changes
    return [Change(path=path, before=before, after=after)]
