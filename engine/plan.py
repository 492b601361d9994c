"""An execution's definition snapshot as a graph the runner walks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.node_types import get_node_type
from domain.spec.graph import predecessors, successors, topological_layers
from engine.errors import PermanentError
from engine.nodes import MissingExecutor, executor_for


@dataclass(frozen=True)
class Edge:
    from_: str
    to: str
    on: str = "success"


@dataclass(frozen=True)
class Plan:
    nodes: dict[str, dict[str, Any]]  # Any: node JSON, by id in declaration order
    edges: list[Edge]
    order: list[str]  # a topological order
    settings: dict[str, Any]  # Any: the workflow settings JSON

    @classmethod
    def from_definition(cls, definition: Mapping[str, Any]) -> Plan:
        """Raises PermanentError for a graph the engine cannot run."""
        nodes = {str(node["id"]): node for node in definition.get("nodes") or []}
        edges = [Edge(str(c["from"]), str(c["to"]), str(c.get("on") or "success"))
                 for c in definition.get("connections") or []]
        problems = [p for nid, node in nodes.items()
                    if (p := _type_problem(nid, node.get("type"))) is not None]
        problems += [f"connection {e.from_} -> {e.to} names an unknown node"
                     for e in edges if e.from_ not in nodes or e.to not in nodes]
        if problems:
            raise PermanentError("invalid definition: " + "; ".join(problems))
        try:
            layers = topological_layers(list(nodes), edges)
        except ValueError:
            raise PermanentError("invalid definition: the node graph has a cycle") from None
        order = [node for layer in layers for node in layer]
        return cls(nodes, edges, order, dict(definition.get("settings") or {}))

    def incoming(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.to == node_id]

    def handlers(self, node_id: str) -> list[str]:
        return successors(node_id, self.edges, "error")

    def reusable(self, recorded: Mapping[str, Any]) -> dict[str, Any]:
        """Recorded node results (Any: {"output", "outcome"}) a new attempt may keep: a node
        whose every predecessor is kept too, so its inputs cannot have changed."""
        kept: dict[str, Any] = {}
        for node_id in self.order:
            declared = get_node_type(str(self.nodes[node_id]["type"]))
            if node_id not in recorded or declared is None or not declared.reusable:
                continue
            if all(p in kept for p in predecessors(node_id, self.edges)):
                kept[node_id] = recorded[node_id]
        return kept


def _type_problem(node_id: str, type_name: Any) -> str | None:
    if not isinstance(type_name, str) or get_node_type(type_name) is None:
        return f"node {node_id!r} has unknown type {type_name!r}"
    try:
        executor_for(type_name)
    except MissingExecutor as error:
        return f"node {node_id!r}: {error}"
    return None
