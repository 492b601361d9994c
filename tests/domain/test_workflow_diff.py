"""Revision diffs: paths by key, nodes by id, whole values for everything else."""

from __future__ import annotations

from typing import Any

import pytest

from domain.workflow_diff import Change, diff

NODE = {"id": "a", "type": "transform", "params": {"value": 1}}


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({"tags": ["x"]}, {"tags": ["x"]}, []),
        ({"tags": ["x"]}, {"tags": ["y"]}, [Change("tags", ["x"], ["y"])]),
        ({}, {"description": "d"}, [Change("description", None, "d")]),
        (
            {"nodes": [NODE]},
            {"nodes": [{**NODE, "params": {"value": 2}}]},
            [Change("nodes[a].params.value", 1, 2)],
        ),
        (
            {"nodes": [NODE]},
            {"nodes": [NODE, {"id": "b", "type": "delay"}]},
            [Change("nodes[b]", None, {"id": "b", "type": "delay"})],
        ),
        (
            {"connections": [{"from": "a", "to": "b"}]},
            {"connections": []},
            [Change("connections", [{"from": "a", "to": "b"}], [])],
        ),
    ],
    ids=["same", "list-value", "added-key", "node-param", "added-node", "connections"],
)
def test_diff(before: dict[str, Any], after: dict[str, Any], expected: list[Change]) -> None:
    assert diff(before, after) == expected
