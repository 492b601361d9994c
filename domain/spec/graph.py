"""Pure DAG helpers over nodes and connections, shared by validation and the engine."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol


class HasId(Protocol):
    @property
    def id(self) -> str: ...


class EdgeLike(Protocol):
    @property
    def from_(self) -> str: ...
    @property
    def to(self) -> str: ...
    @property
    def on(self) -> str: ...


def _ids(nodes: Iterable[HasId | str]) -> list[str]:
    return [n if isinstance(n, str) else n.id for n in nodes]


def _adjacency(ids: Sequence[str], connections: Iterable[EdgeLike]) -> dict[str, list[str]]:
    adjacency: dict[str, list[str]] = {node: [] for node in ids}
    for edge in connections:
        if edge.from_ in adjacency and edge.to in adjacency:
            adjacency[edge.from_].append(edge.to)
    return adjacency


def successors(node_id: str, connections: Iterable[EdgeLike], on: str | None = None) -> list[str]:
    """Nodes reached from `node_id`, optionally only over edges of kind `on`."""
    return [e.to for e in connections if e.from_ == node_id and (on is None or e.on == on)]


def predecessors(node_id: str, connections: Iterable[EdgeLike], on: str | None = None) -> list[str]:
    """Nodes leading to `node_id`, optionally only over edges of kind `on`."""
    return [e.from_ for e in connections if e.to == node_id and (on is None or e.on == on)]


def find_cycles(nodes: Iterable[HasId | str], connections: Iterable[EdgeLike]) -> list[list[str]]:
    """Cycles as node id paths whose last element repeats the first, one per back edge.

    Edges to unknown nodes are ignored (they are reported separately). Iterative DFS, so
    deep graphs cannot hit the recursion limit.
    """
    ids = _ids(nodes)
    adjacency = _adjacency(ids, connections)
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    cycles: list[list[str]] = []
    for root in ids:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = [root]
        state[root] = 1
        while stack:
            node, index = stack[-1]
            targets = adjacency[node]
            if index == len(targets):
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            stack[-1] = (node, index + 1)
            target = targets[index]
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                state[target] = 1
                stack.append((target, 0))
                path.append(target)
    return cycles


def topological_layers(
    nodes: Iterable[HasId | str], connections: Iterable[EdgeLike]
) -> list[list[str]]:
    """Nodes grouped so each layer depends only on earlier ones (declaration order kept).

    Raises ValueError on a cycle: callers pass validated definitions.
    """
    ids = _ids(nodes)
    adjacency = _adjacency(ids, connections)
    indegree = dict.fromkeys(ids, 0)
    for targets in adjacency.values():
        for target in targets:
            indegree[target] += 1
    layer = [node for node in ids if indegree[node] == 0]
    layers: list[list[str]] = []
    placed = 0
    while layer:
        layers.append(layer)
        placed += len(layer)
        ready: set[str] = set()
        for node in layer:
            for target in adjacency[node]:
                indegree[target] -= 1
                if indegree[target] == 0:
                    ready.add(target)
        layer = [node for node in ids if node in ready]
    if placed != len(ids):
        raise ValueError("the graph has a cycle")
    return layers
