"""The node-type reference (docs/node-types.md), rendered from the node-type registry so it
cannot drift: built-in types and those of installed plugins, each with its references, its
parameters (name, type, default, meaning: the parameter model's attribute docstrings), what
it outputs and an example. `make docs` writes it; a test fails when the file differs."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from ruamel.yaml import YAML

from domain.node_types import NodeType

HEADER = """\
# Node types

Generated from the node-type registry (`domain/node_types.py` and installed plugins) by
`make docs`; do not edit by hand. A node is one entry of a workflow's `spec.nodes`:
`{id, type, params}`, plus `dataSource`, `model` or `addOn` where its type takes one.

String parameters may hold templates: `{{ expr }}` is replaced by the value of `expr`, and a
string that is exactly one `{{ expr }}` becomes that value itself (a number stays a number).
Expressions read `input` (the execution's input), `nodes.<id>.output` (an earlier node's
output), `execution.id`, `execution.attempt` and, in an error handler, `error`; they allow
`.key` and `[index]` lookups, comparisons, `and` / `or` / `not`, `in` and arithmetic, and
nothing else (no calls). Connections leave a node with `on: success` (the default) or one of
the outcomes listed for its type.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _type(schema: Mapping[str, Any]) -> str:
    """A short, readable type of a JSON Schema property (Any: JSON Schema)."""
    if "enum" in schema:
        return " | ".join(f"`{value}`" for value in schema["enum"])
    if "anyOf" in schema:
        kinds = [_type(option) for option in schema["anyOf"] if option.get("type") != "null"]
        return " or ".join(kinds)
    kind = schema.get("type")
    if kind == "object" and isinstance(schema.get("additionalProperties"), Mapping):
        inner = schema["additionalProperties"].get("type")
        return f"object of {inner}s" if inner else "object"
    if kind == "array":
        return "list"
    return {"string": "string", "number": "number", "integer": "integer",
            "boolean": "boolean", "object": "object"}.get(str(kind), "any JSON")


def _limits(schema: Mapping[str, Any]) -> str:
    bounds = [f"{label} {schema[key]:g}" for key, label in (
        ("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<"))
        if key in schema]
    return f" ({', '.join(bounds)})" if bounds else ""


def _parameters(node_type: NodeType) -> list[str]:
    schema = node_type.params.model_json_schema(by_alias=True)
    properties: Mapping[str, Any] = schema.get("properties", {})
    if not properties:
        return ["No parameters."]
    required = set(schema.get("required", []))
    rows = ["| parameter | type | default | meaning |", "|---|---|---|---|"]
    for name, field in node_type.params.model_fields.items():
        alias = field.alias or name
        prop = properties[alias]
        default = "required" if alias in required else f"`{json.dumps(field.get_default())}`"
        rows.append(f"| `{alias}` | {_cell(_type(prop) + _limits(prop))} | {_cell(default)} | "
                    f"{_cell(field.description or '—')} |")
    return rows


def _references(node_type: NodeType) -> str:
    taken = [f"`{key}` ({need})" for key, need in (
        ("dataSource", node_type.data_source), ("model", node_type.model),
        ("addOn", node_type.add_on)) if need]
    outcomes = " | ".join(f"`{outcome}`" for outcome in node_type.outcomes)
    names = f"References: {', '.join(taken)}. " if taken else ""
    return f"{names}Outcomes for `on`: {outcomes}."


def _example(example: Mapping[str, Any] | None) -> list[str]:
    if example is None:
        return []
    yaml = YAML()
    yaml.default_flow_style = None  # nested values inline, as in workflows.d/
    yaml.width = 4096
    out = io.StringIO()
    yaml.dump([dict(example)], out)
    return ["Example:", "", "```yaml", out.getvalue().rstrip(), "```"]


def _section(node_type: NodeType) -> list[str]:
    lines = [f"## `{node_type.name}`", "", f"{node_type.description.rstrip('.')}.", "",
             _references(node_type), "", *_parameters(node_type), ""]
    if node_type.output:
        lines += [f"Output: {node_type.output}", ""]
    example = _example(node_type.example)
    return lines + ([*example, ""] if example else [])


def render(registry: Iterable[NodeType]) -> str:
    """The whole reference, types in registry order (built-ins first, then plugins)."""
    types = list(registry)
    index = ", ".join(f"[`{t.name}`](#{t.name.replace('.', '')})" for t in types)
    lines = [HEADER, f"Types: {index}.", ""]
    for node_type in types:
        lines += _section(node_type)
    return "\n".join(lines).rstrip() + "\n"
