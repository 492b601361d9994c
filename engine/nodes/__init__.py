"""Node executors, found through the one node-type registry (`domain.node_types`): each
declaration, built-in or plugin, names its executor as `"module:function"`, loaded here on
first use. `check_executors` is what a worker runs before it takes any job."""

from __future__ import annotations

from functools import cache
from pkgutil import resolve_name

from domain.node_types import get_node_type, node_types
from engine.nodes.base import Executor, NodeContext, NodeResult


class MissingExecutor(Exception):
    """A declared node type whose executor cannot be loaded."""


@cache
def executor_for(type_name: str) -> Executor:
    """The executor of a declared type; raises MissingExecutor if it does not load."""
    declared = get_node_type(type_name)
    if declared is None:
        raise MissingExecutor(f"node type {type_name!r} is not declared")
    try:
        loaded = resolve_name(declared.executor)
    except (ImportError, AttributeError, ValueError) as error:
        raise MissingExecutor(
            f"node type {type_name!r}: executor {declared.executor!r} does not load "
            f"({type(error).__name__}: {error})") from None
    if not callable(loaded):
        raise MissingExecutor(f"node type {type_name!r}: executor {declared.executor!r} "
                              "is not callable")
    executor: Executor = loaded
    return executor


def check_executors() -> None:
    """Raise MissingExecutor naming every declared type whose executor does not load."""
    problems: list[str] = []
    for name in node_types():
        try:
            executor_for(name)
        except MissingExecutor as error:
            problems.append(str(error))
    if problems:
        raise MissingExecutor("; ".join(problems))


__all__ = ["Executor", "MissingExecutor", "NodeContext", "NodeResult", "check_executors",
           "executor_for"]
