"""A JSON Schema of every document kind, for editors (yaml-language-server) and tooling."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from domain.node_types import node_types
from domain.spec.model import Document

_REF = "#/$defs/{model}"


def json_schema() -> dict[str, Any]:
    """The schema (Any: JSON Schema values); node params are typed per node type."""
    adapter: TypeAdapter[Any] = TypeAdapter(Annotated[Document, Field(discriminator="kind")])
    schema = adapter.json_schema(by_alias=True, ref_template=_REF)
    defs: dict[str, Any] = schema.setdefault("$defs", {})
    _describe_nodes(defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Flowplane declarative documents (flowplane/v1)",
        **schema,
    }


def _describe_nodes(defs: dict[str, Any]) -> None:
    node = defs["Node"]
    types = node_types()
    node["properties"]["type"] = {"type": "string", "enum": sorted(types), "title": "Type"}
    rules: list[dict[str, Any]] = []
    for name, node_type in sorted(types.items()):
        params = node_type.params.model_json_schema(by_alias=True, ref_template=_REF)
        defs.update(params.pop("$defs", {}))
        params["description"] = node_type.description
        rules.append(
            {
                "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                "then": {"properties": {"params": params}},
            }
        )
    node["allOf"] = rules
