"""A node-type plugin as a third party ships one: a declaration and its executor, both
registered through the `flowplane.node_types` entry point of its dist-info."""

from __future__ import annotations

from domain.node_types import NodeType, Params
from engine.nodes.base import NodeContext, NodeResult


class ShoutParams(Params):
    text: str
    """Text to shout."""


async def shout(ctx: NodeContext) -> NodeResult:
    assert isinstance(ctx.params, ShoutParams)
    ctx.log(f"shouting {ctx.params.text!r}")
    return NodeResult({"shouted": ctx.params.text.upper() + "!"})


NODE_TYPES = (
    NodeType("test.shout", "Upper-case a text", ShoutParams, output="`{shouted}`.",
             executor="flowplane_test_plugin:shout"),
    # Declared, but its executor is not there: a worker must refuse to start with it.
    NodeType("test.ghost", "An executor that is missing", executor="flowplane_test_plugin:nope"),
)
SHOUT_ONLY = NODE_TYPES[:1]
