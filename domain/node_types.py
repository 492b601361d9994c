"""Declared node types: name, parameter model, which references a node may carry, and where
its executor lives.

One registry for built-ins and plugins alike. Plugins add types through the
`flowplane.node_types` entry point group; an entry point loads to a `NodeType` or an
iterable of them. A declaration names its executor as `"module:function"`, which only the
engine imports (`engine.nodes.executor_for`): the API validates workflows without the engine,
and a worker refuses to start when a declared type's executor does not load. The reference in
docs/node-types.md is generated from this registry (`make docs`): parameters are described by
their attribute docstrings, each type by its description, output and example.
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
        extra="forbid", frozen=True, strict=True, alias_generator=to_camel, populate_by_name=True,
        use_attribute_docstrings=True,
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
    # What `nodes.<id>.output` holds after the node ran (for the reference).
    output: str = ""
    # A node of this type as written in a workflow's `nodes:` list (for the reference; a test
    # checks that every example validates).
    example: Mapping[str, Any] | None = None
    # The executor, `"module:function"` (an async function taking an engine NodeContext).
    executor: str = ""
    # Finishes in microseconds: its span is written once, when it is over.
    instant: bool = False
    # A later attempt may keep its recorded output (False: its output depends on a failure).
    reusable: bool = True


class HttpRequestParams(Params):
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] = "GET"
    """HTTP method."""
    url: str = Field(min_length=1)
    """Absolute URL, or a path relative to the add-on's endpoint when the node names one."""
    headers: dict[str, str] = {}
    """Request headers."""
    body: Any = None  # Any: a JSON value or a template, sent as given.
    """JSON body, sent as given (templates are rendered first)."""
    timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    """Seconds before the call counts as failed (and may be retried)."""
    idempotency_header: str | None = Field(default=None, min_length=1, max_length=100,
                                           pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
    """Send the node's idempotency key (`<execution id>:<node id>:<attempt>`, see
    docs/delivery.md) in this header, e.g. `Idempotency-Key`."""
    follow_redirects: bool = False
    """Follow redirects (at most 10); every hop passes the egress guard again."""
    max_response_bytes: int | None = Field(default=None, ge=1)
    """Largest response body read, in bytes; default and upper bound: the operator's
    `FLOWPLANE_HTTP_MAX_RESPONSE_BYTES`."""
    on_oversize: Literal["fail", "truncate"] = "fail"
    """A larger body fails the node (`fail`), or only its first `maxResponseBytes` are kept
    and the span is marked `outputTruncated` (`truncate`)."""


class TransformParams(Params):
    value: Any  # Any: a template over earlier outputs, any JSON shape.
    """Any JSON value; its templates are rendered, and the result is the node's output."""


class ConditionParams(Params):
    expression: str = Field(min_length=1)
    """A template expression (without braces), e.g. `nodes.fetch.output.status == 200`."""


class DelayParams(Params):
    seconds: float = Field(ge=0, le=86400)
    """How long to wait."""


class SourcePostgresParams(Params):
    query: str = Field(min_length=1)
    """SQL to run on the data source; use $1, $2, ... for values."""
    params: list[Any] | dict[str, Any] = []  # Any: bind values, JSON scalars or templates.
    """Values bound to $1, $2, ... (a list; templates allowed)."""


class DestinationPostgresParams(Params):
    table: str = Field(min_length=1)
    """Table to insert into (`table` or `schema.table`)."""
    rows: Any = None  # Any: a template producing a list of row objects.
    """A list of row objects, usually a template such as `{{ nodes.read.output.rows }}`."""
    row: dict[str, Any] | None = None
    """One row object (instead of `rows`)."""

    @model_validator(mode="after")
    def _one_of_rows_or_row(self) -> DestinationPostgresParams:
        if (self.rows is None) == (self.row is None):
            raise ValueError("exactly one of rows or row is required")
        return self


class AiChatParams(Params):
    prompt: str = Field(min_length=1)
    """The user message (templates allowed)."""
    system: str | None = None
    """An optional system message."""
    temperature: float = Field(default=0.2, ge=0, le=2)
    """Sampling temperature."""
    max_tokens: int | None = Field(default=None, ge=1, le=200_000)
    """Upper bound of the answer's length, in tokens."""


class PythonParams(Params):
    code: str | None = Field(default=None, min_length=1)
    """A Python module defining `main(inputs)` (plain or `async`); what it returns, which must
    be JSON-serialisable, is the node's output."""
    file: str | None = Field(default=None, min_length=1)
    """Instead of `code`, in a workflow from git: a `.py` file relative to the YAML file,
    inside `workflows.d/`; its content is stored with the definition."""
    timeout_seconds: float | None = Field(default=None, gt=0, le=86400)
    """Seconds before the process is killed (default `FLOWPLANE_PYTHON_TIMEOUT_SECONDS`, at
    most `FLOWPLANE_PYTHON_MAX_TIMEOUT_SECONDS`)."""
    memory_mb: int | None = Field(default=None, ge=32, le=1024 * 1024)
    """Address-space limit of the process in MiB (default `FLOWPLANE_PYTHON_MEMORY_MB`, at most
    `FLOWPLANE_PYTHON_MAX_MEMORY_MB`)."""

    @model_validator(mode="after")
    def _code_or_file(self) -> PythonParams:
        if self.code is None and self.file is None:
            raise ValueError("code or file is required")
        return self


class ErrorHandlerParams(Params):
    handled: bool = True
    """Whether the run counts as recovered once this node ran."""


BUILTIN_NODE_TYPES: tuple[NodeType, ...] = (
    NodeType(
        "http.request", "Call an HTTP endpoint", HttpRequestParams, add_on="optional",
        output="`{status, headers, body, truncated}`; `body` is JSON when the answer says so, "
        "else text. 5xx, 408, 429 and network errors fail the node retryably, other 4xx "
        "permanently. Loopback, private and link-local addresses are refused unless the "
        "operator allows them (`FLOWPLANE_EGRESS_ALLOW`).",
        example={"id": "fetch", "type": "http.request",
                 "params": {"method": "POST", "url": "https://api.example.com/orders",
                            "headers": {"Accept": "application/json"},
                            "idempotencyHeader": "Idempotency-Key",
                            "body": {"customer": "{{ input.customer }}"}}},
        executor="engine.nodes.http:http_request",
    ),
    NodeType(
        "transform", "Build a value from earlier outputs", TransformParams,
        output="The rendered `value`.",
        example={"id": "pick", "type": "transform",
                 "params": {"value": {"status": "{{ nodes.fetch.output.status }}"}}},
        executor="engine.nodes.basic:transform", instant=True,
    ),
    NodeType(
        "condition",
        "Branch on an expression",
        ConditionParams,
        outcomes=("true", "false", "error"),
        output="`{result}`; connections leave it with `on: true` or `on: false`.",
        example={"id": "ok", "type": "condition",
                 "params": {"expression": "nodes.fetch.output.status == 200"}},
        executor="engine.nodes.basic:condition", instant=True,
    ),
    NodeType(
        "parallel-branch", "Fan out to the following nodes in parallel",
        output="The execution's input.", example={"id": "fan-out", "type": "parallel-branch"},
        executor="engine.nodes.basic:parallel_branch", instant=True,
    ),
    NodeType(
        "delay", "Wait a number of seconds", DelayParams, output="`{slept}`.",
        example={"id": "wait", "type": "delay", "params": {"seconds": 30}},
        executor="engine.nodes.basic:delay",
    ),
    NodeType(
        "source.postgres", "Query a PostgreSQL data source", SourcePostgresParams, "required",
        output="`{rows, rowCount}`; dates and decimals become strings.",
        example={"id": "sales", "type": "source.postgres", "dataSource": "warehouse",
                 "params": {"query": "select region, sum(total) from sales where day = $1 "
                                     "group by region", "params": ["{{ input.day }}"]}},
        executor="engine.nodes.postgres:source_postgres",
    ),
    NodeType(
        "destination.postgres",
        "Insert rows into a PostgreSQL table",
        DestinationPostgresParams,
        "required",
        output="`{inserted}`.",
        example={"id": "store", "type": "destination.postgres", "dataSource": "warehouse",
                 "params": {"table": "reports.daily", "rows": "{{ nodes.sales.output.rows }}"}},
        executor="engine.nodes.postgres:destination_postgres",
    ),
    NodeType(
        "ai.chat", "Ask an AI gateway model", AiChatParams, model="required",
        output="`{content, model, usage}` of the chat completion.",
        example={"id": "summary", "type": "ai.chat", "model": "small-chat",
                 "params": {"prompt": "Summarize: {{ nodes.sales.output.rows }}"}},
        executor="engine.nodes.ai:ai_chat",
    ),
    NodeType(
        "python", "Run Python code in a sandbox", PythonParams, data_source="optional",
        model="optional", add_on="optional",
        output="What `main(inputs)` returns. `inputs` holds `input`, `nodes` (earlier nodes' "
        "outputs by id) and `execution` (`id`, `attempt`, `workflowId`); `print()` lines are "
        "logged as `info`, stderr lines as `warning`. `from flowplane import sdk` reads "
        "STRONGLY_SERVICES: `sdk.data_source(name)`, `sdk.model(name)`, `sdk.add_on(name)`, "
        "`sdk.services()`. An exception fails the node with its type, message and the frames "
        "of this code (retryable); hitting `timeoutSeconds` or `memoryMb` kills the process. "
        "While traces are on, `TRACEPARENT` in its environment is the W3C trace context of "
        "the node's span. It imports the standard library and the packages of the `custom` "
        "environment (docs/environments.md).",
        example={"id": "score", "type": "python", "dataSource": "warehouse",
                 "params": {"code": "def main(inputs):\n"
                                    "    rows = inputs['nodes']['sales']['rows']\n"
                                    "    print(f'scoring {len(rows)} rows')\n"
                                    "    return {'total': sum(r['total'] for r in rows)}\n",
                            "timeoutSeconds": 30, "memoryMb": 512}},
        executor="engine.nodes.python:python",
    ),
    NodeType(
        "error-handler", "Handle the error of the node before it", ErrorHandlerParams,
        output="`{handled, error}`; `error` names the failed node and its message. Reached "
        "through a connection with `on: error`.",
        example={"id": "alert", "type": "error-handler"},
        executor="engine.nodes.basic:error_handler", instant=True, reusable=False,
    ),
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
