"""Cross-field workflow checks on raw (camelCase) data: node ids, types, references, edges.

They run on the raw mapping rather than on the typed model so that a wrong type in one node
does not hide a cycle or a dangling connection elsewhere: every error is reported at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.node_types import NodeType, get_node_type, node_types
from domain.spec._issues import Issue, validate_model
from domain.spec.errors import Loc
from domain.spec.graph import find_cycles
from domain.spec.templates import expression_problem, template_problems

_REFERENCES = (("dataSource", "data_source"), ("model", "model"), ("addOn", "add_on"))


@dataclass(frozen=True)
class _Edge:
    from_: str
    to: str
    on: str
    index: int


def check_graph(spec: Mapping[str, Any], prefix: Loc = ()) -> list[Issue]:
    """Issues of the nodes and connections in `spec` (Any: raw YAML/JSON values)."""
    nodes = _items(spec.get("nodes"))
    issues: list[Issue] = []
    types: dict[str, NodeType | None] = {}
    for index, node in nodes:
        loc = (*prefix, "nodes", index)
        node_id = node.get("id")
        if isinstance(node_id, str):
            if node_id in types:
                issues.append(((*loc, "id"), f"duplicate node id {node_id!r}"))
            else:
                types[node_id] = _node_type(node)
        issues.extend(_check_node(node, loc))
    edges, edge_issues = _edges(spec.get("connections"), types, prefix)
    issues.extend(edge_issues)
    issues.extend(_cycles(list(types), edges, prefix))
    return issues


def _items(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, Mapping)]


def _node_type(node: Mapping[str, Any]) -> NodeType | None:
    name = node.get("type")
    return get_node_type(name) if isinstance(name, str) else None


def _check_node(node: Mapping[str, Any], loc: Loc) -> list[Issue]:
    name = node.get("type")
    if not isinstance(name, str):
        return []  # reported by the model
    node_type = get_node_type(name)
    if node_type is None:
        known = ", ".join(sorted(node_types()))
        return [((*loc, "type"), f"unknown node type {name!r} (known: {known})")]
    issues: list[Issue] = []
    for key, attribute in _REFERENCES:
        wanted = getattr(node_type, attribute)
        if wanted == "required" and node.get(key) is None:
            issues.append((loc, f"{name} nodes require {key}"))
        elif wanted is None and node.get(key) is not None:
            issues.append(((*loc, key), f"{name} nodes do not take {key}"))
    params = node.get("params", {})
    if isinstance(params, Mapping):
        _, param_issues = validate_model(node_type.params, params, (*loc, "params"))
        issues.extend(param_issues)
        issues.extend(_check_templates(name, params, (*loc, "params")))
    return issues


def _check_templates(type_name: str, params: Mapping[str, Any], loc: Loc) -> list[Issue]:
    """Templates in the parameters (a condition's expression is one without braces)."""
    issues = [((*loc, *path), message) for path, message in template_problems(params)]
    expression = params.get("expression")
    if type_name == "condition" and isinstance(expression, str) and "{{" not in expression:
        problem = expression_problem(expression)
        if problem is not None:
            issues.append(((*loc, "expression"), problem))
    return issues


def _edges(
    connections: Any, types: Mapping[str, NodeType | None], prefix: Loc
) -> tuple[list[_Edge], list[Issue]]:
    edges: list[_Edge] = []
    issues: list[Issue] = []
    seen: set[tuple[str, str, str]] = set()
    for index, item in _items(connections):
        loc = (*prefix, "connections", index)
        ends = {key: item.get(key) for key in ("from", "to")}
        missing = [k for k, v in ends.items() if isinstance(v, str) and v not in types]
        for key in missing:
            issues.append(((*loc, key), f"connection to unknown node {ends[key]!r}"))
        on = item.get("on", "success")
        source, target = ends["from"], ends["to"]
        if missing or not isinstance(source, str) or not isinstance(target, str):
            continue
        if not isinstance(on, str):
            continue  # reported by the model
        issues.extend(_check_outcome(types[source], on, (*loc, "on")))
        if (source, target, on) in seen:
            issues.append((loc, f"duplicate connection {source} -> {target} (on {on})"))
        seen.add((source, target, on))
        edges.append(_Edge(source, target, on, index))
    return edges, issues


def _check_outcome(node_type: NodeType | None, on: str, loc: Loc) -> list[Issue]:
    if node_type is None or on in node_type.outcomes:
        return []
    allowed = ", ".join(node_type.outcomes)
    return [(loc, f"connections from {node_type.name} nodes take on: {allowed} (not {on})")]


def _cycles(ids: list[str], edges: list[_Edge], prefix: Loc) -> list[Issue]:
    issues: list[Issue] = []
    for cycle in find_cycles(ids, edges):
        closing = next(e for e in edges if e.from_ == cycle[-2] and e.to == cycle[-1])
        loc = (*prefix, "connections", closing.index)
        issues.append((loc, "cycle: " + " -> ".join(cycle)))
    return issues
