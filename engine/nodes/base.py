"""What an executor receives and returns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from domain.egress import EgressPolicy
from engine.errors import PermanentError
from engine.node_log import NodeLog


@dataclass
class NodeContext:
    execution_id: int
    node: dict[str, Any]  # Any: the node's JSON definition.
    params: BaseModel  # validated after templates were rendered
    services: dict[str, Any]  # Any: STRONGLY_SERVICES JSON.
    scope: Mapping[str, Any]  # Any: the template context (input, nodes, execution, error).
    logs: NodeLog = field(default_factory=NodeLog)
    # `<execution id>:<node id>:<attempt>`: the same when the node runs again for the same
    # attempt (its retry policy, a takeover after a lost worker), new for a new attempt.
    idempotency_key: str = ""
    # What the node may connect to (the organization's allow-list on top of the defaults).
    egress: EgressPolicy = field(default_factory=EgressPolicy)
    # `traceparent` of this node's span while traces are exported, for the services it calls.
    trace_headers: dict[str, str] = field(default_factory=dict)

    def log(self, message: str, level: str = "info") -> None:
        """A log line of this node (written while it runs, within the per-node caps)."""
        self.logs.add(level, message)

    def service(self, kind: str, name_field: str) -> dict[str, Any]:
        """The STRONGLY_SERVICES entry this node names in `name_field` (Any: JSON)."""
        name = self.node.get(name_field)
        entry = (self.services.get(kind) or {}).get(name)
        if entry is None:
            raise PermanentError(f"{name_field} {name!r} is not in STRONGLY_SERVICES")
        return dict(entry)


@dataclass(frozen=True)
class NodeResult:
    output: Any = None  # Any: JSON output of the node.
    outcome: str = "success"  # which outgoing connections fire: success | true | false
    truncated: bool = False  # the node kept only part of what it received (outputTruncated)


Executor = Callable[[NodeContext], Awaitable[NodeResult]]
