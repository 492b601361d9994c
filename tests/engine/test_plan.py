"""The runner's view of a definition: validation and which recorded results a retry keeps."""

from __future__ import annotations

import pytest

from engine.errors import PermanentError
from engine.plan import Plan
from tests.engine.test_runner import edge, node


def test_cycle_and_unknown_type_are_permanent_errors() -> None:
    with pytest.raises(PermanentError, match="cycle"):
        Plan.from_definition({"nodes": [node("a"), node("b")],
                              "connections": [edge("a", "b"), edge("b", "a")]})
    with pytest.raises(PermanentError, match="unknown type 'nope'"):
        Plan.from_definition({"nodes": [node("a", "nope")]})


def test_reusable_keeps_only_nodes_whose_inputs_are_kept() -> None:
    plan = Plan.from_definition({
        "nodes": [node("a"), node("b"), node("c"), node("h", "error-handler"), node("d")],
        "connections": [edge("a", "b"), edge("b", "c"), edge("b", "h", "error"),
                        edge("h", "d")],
    })
    recorded = {n: {"output": n, "outcome": "success"} for n in ("a", "c", "h", "d")}
    # b has no result (it failed), so c after it is run again; handlers always run again
    assert set(plan.reusable(recorded)) == {"a"}
