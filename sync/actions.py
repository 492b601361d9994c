"""One planned action, as data: a verb, the object it acts on, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Verb = Literal[
    "create", "update", "unchanged", "deploy", "undeploy", "archive", "prune", "conflict", "skip"
]
PruneMode = Literal["archive", "delete", "off"]
# Verbs that change something when applied.
CHANGING: frozenset[str] = frozenset({"create", "update", "deploy", "undeploy", "archive", "prune"})


@dataclass(frozen=True)
class Action:
    verb: Verb
    kind: str
    name: str
    reason: str
    path: str | None = None
    object_id: int | None = None  # the live row, when there is one
    changes: tuple[str, ...] = ()  # fields an update changes
    target: str | None = None  # status of an undeploy; "archive" / "delete" for a prune

    @property
    def changing(self) -> bool:
        return self.verb in CHANGING

    def to_json(self) -> dict[str, Any]:
        """(Any: JSON values) for sync_run.plan."""
        return {"verb": self.verb, "kind": self.kind, "name": self.name, "reason": self.reason,
                "path": self.path, "objectId": self.object_id, "changes": list(self.changes),
                "target": self.target}


