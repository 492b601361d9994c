"""Declared node types: name, parameter model and which references a node may carry.

The engine registers an executor under each name. Plugins add types through the
`flowplane.node_types` entry point group; an entry point loads to a `NodeType` or an
iterable of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

Reference = Literal["required", "optional"] | None
ENTRY_POINT_GROUP = "flowplane.node_types"


class Params(BaseModel):
    """Base for parameter models: camelCase keys, unknown keys rejected."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, alias_generator=to_camel, populate_by_name=True
    )


@dataclass(frozen=True)
class NodeType:
    name: str
    description: str
    params: type[BaseModel] = Params
    data_source: Reference = None
    model: Reference = None
    add_on: Reference = None
    # Values a connection leaving this node may carry in `on`.
    outcomes: tuple[str, ...] = ("success", "error")


class HttpRequestParams(Params):
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] = "GET"
    url: str = Field(min_length=1)
    headers: dict[str, str] = {}
    body: Any = None  # Any: a JSON value or a template, sent as given.
    timeout_seconds: float = Field(default=30.0, gt=0, le=3600)


class TransformParams(Params):
    value: Any  # Any: a template over earlier outputs, any JSON shape.


class ConditionParams(Params):
    expression: str = Field(min_length=1)


class DelayParams(Params):
    seconds: float = Field(ge=0, le=86400)


class SourcePostgresParams(Params):
    query: str = Field(min_length=1)
    params: list[Any] | dict[str, Any] = []  # Any: bind values, JSON scalars or templates.


class DestinationPostgresParams(Params):
    table: str = Field(min_length=1)
    rows: Any = None  # Any: a template producing a list of row objects.
    row: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_of_rows_or_row(self) -> DestinationPostgresParams:
        if (self.rows is None) == (self.row is None):
            raise ValueError("exactly one of rows or row is required")
        return self


class AiChatParams(Params):
    prompt: str = Field(min_length=1)
    system: str | None = None
    temperature: float = Field(default=0.2, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1, le=200_000)


class ErrorHandlerParams(Params):
    handled: bool = True


BUILTIN_NODE_TYPES: tuple[NodeType, ...] = (
    NodeType("http.request", "Call an HTTP endpoint", HttpRequestParams, add_on="optional"),
    NodeType("transform", "Build a value from earlier outputs", TransformParams),
    NodeType(
        "condition",
        "Branch on an expression",
        ConditionParams,
        outcomes=("true", "false", "error"),
    ),
    NodeType("parallel-branch", "Fan out to the following nodes in parallel"),
    NodeType("delay", "Wait a number of seconds", DelayParams),
    NodeType("source.postgres", "Query a PostgreSQL data source", SourcePostgresParams, "required"),
    NodeType(
        "destination.postgres",
        "Insert rows into a PostgreSQL table",
        DestinationPostgresParams,
        "required",
    ),
    NodeType("ai.chat", "Ask an AI gateway model", AiChatParams, model="required"),
    NodeType("error-handler", "Handle the error of the node before it", ErrorHandlerParams),
)


def _from_entry_points() -> Iterable[NodeType]:
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        loaded = entry.load()
        items = [loaded] if isinstance(loaded, NodeType) else list(loaded)
        for item in items:
            if not isinstance(item, NodeType):
                raise TypeError(f"entry point {entry.name!r} did not load a NodeType")
            yield item


@lru_cache(maxsize=1)
def node_types() -> Mapping[str, NodeType]:
    """All known node types by name: built-ins first, then plugins (which may not clash)."""
    registry = {t.name: t for t in BUILTIN_NODE_TYPES}
    for item in _from_entry_points():
        if item.name in registry:
            raise ValueError(f"node type {item.name!r} is declared twice")
        registry[item.name] = item
    return registry


def get_node_type(name: str) -> NodeType | None:
    return node_types().get(name)
