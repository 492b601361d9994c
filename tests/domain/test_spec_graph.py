from dataclasses import dataclass
from itertools import pairwise

import pytest

from domain.spec.graph import find_cycles, predecessors, successors, topological_layers


@dataclass(frozen=True)
class Edge:
    from_: str
    to: str
    on: str = "success"


def edges(*pairs: str) -> list[Edge]:
    return [Edge(*pair.split(">")) for pair in pairs]


@pytest.mark.parametrize(
    ("nodes", "connections", "cycles"),
    [
        ("abc", edges("a>b", "b>c"), []),
        ("abc", edges("a>b", "b>c", "c>a"), [["a", "b", "c", "a"]]),
        ("a", edges("a>a"), [["a", "a"]]),
        ("abcd", edges("a>b", "b>a", "c>d", "d>c"), [["a", "b", "a"], ["c", "d", "c"]]),
        ("ab", edges("a>b", "b>zz", "zz>a"), []),  # unknown nodes are not followed
        ("abcd", edges("a>b", "a>c", "b>d", "c>d"), []),  # diamond
    ],
)
def test_find_cycles(nodes: str, connections: list[Edge], cycles: list[list[str]]) -> None:
    assert find_cycles(list(nodes), connections) == cycles


def test_find_cycles_handles_long_chains_without_recursion() -> None:
    ids = [f"n{i}" for i in range(5000)]
    chain = [Edge(a, b) for a, b in pairwise(ids)]
    assert find_cycles(ids, chain) == []
    assert len(find_cycles(ids, [*chain, Edge(ids[-1], ids[0])])[0]) == 5001


@pytest.mark.parametrize(
    ("nodes", "connections", "layers"),
    [
        ("abc", edges("a>b", "b>c"), [["a"], ["b"], ["c"]]),
        ("abcd", edges("a>b", "a>c", "b>d", "c>d"), [["a"], ["b", "c"], ["d"]]),
        ("cba", [], [["c", "b", "a"]]),  # declaration order kept
        ("abc", edges("c>a"), [["b", "c"], ["a"]]),
    ],
)
def test_topological_layers(nodes: str, connections: list[Edge], layers: list[list[str]]) -> None:
    assert topological_layers(list(nodes), connections) == layers


def test_topological_layers_refuses_a_cycle() -> None:
    with pytest.raises(ValueError, match="cycle"):
        topological_layers(["a", "b"], edges("a>b", "b>a"))


def test_successors_and_predecessors_filter_by_edge_kind() -> None:
    graph = [Edge("c", "yes", "true"), Edge("c", "no", "false"), Edge("c", "h", "error")]
    assert successors("c", graph) == ["yes", "no", "h"]
    assert successors("c", graph, on="true") == ["yes"]
    assert predecessors("h", graph, on="error") == ["c"]
    assert predecessors("h", graph, on="success") == []
