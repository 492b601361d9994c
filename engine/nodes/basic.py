"""Nodes that only shape data and flow: transform, condition, parallel-branch, delay,
error-handler."""

from __future__ import annotations

import asyncio

from domain.node_types import ConditionParams, DelayParams, ErrorHandlerParams, TransformParams
from domain.spec.templates import TemplateError, evaluate
from engine.errors import PermanentError
from engine.nodes.base import NodeContext, NodeResult


async def transform(ctx: NodeContext) -> NodeResult:
    assert isinstance(ctx.params, TransformParams)
    return NodeResult(ctx.params.value)


async def condition(ctx: NodeContext) -> NodeResult:
    assert isinstance(ctx.params, ConditionParams)
    try:
        result = bool(evaluate(ctx.params.expression, ctx.scope))
    except TemplateError as error:
        raise PermanentError(f"condition {error}") from None
    return NodeResult({"result": result}, "true" if result else "false")


async def parallel_branch(ctx: NodeContext) -> NodeResult:
    # The runner starts every successor of this node at once; the node itself is a marker.
    return NodeResult(ctx.scope.get("input"))


async def delay(ctx: NodeContext) -> NodeResult:
    assert isinstance(ctx.params, DelayParams)
    await asyncio.sleep(ctx.params.seconds)
    return NodeResult({"slept": ctx.params.seconds})


async def error_handler(ctx: NodeContext) -> NodeResult:
    assert isinstance(ctx.params, ErrorHandlerParams)
    error = ctx.scope.get("error") or {}
    ctx.log(f"handling error of {error.get('node')!r}: {error.get('message')}", "warning")
    return NodeResult({"handled": ctx.params.handled, "error": error})
