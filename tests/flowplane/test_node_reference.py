"""docs/node-types.md is generated from the node-type registry, and its examples are valid."""

from __future__ import annotations

import io
from pathlib import Path

from ruamel.yaml import YAML

from domain.node_types import node_types
from domain.spec.loader import load_text
from flowplane.node_reference import render

DOC = Path(__file__).parents[2] / "docs" / "node-types.md"


def test_the_reference_is_what_the_registry_renders() -> None:
    assert DOC.read_text() == render(node_types().values()), (
        "docs/node-types.md differs from the node-type registry: run `make docs`")


def test_every_type_with_a_parameter_model_is_listed_with_each_parameter() -> None:
    text = DOC.read_text()
    for node_type in node_types().values():
        assert f"## `{node_type.name}`" in text
        for name, field in node_type.params.model_fields.items():
            assert f"| `{field.alias or name}` |" in text


def test_the_examples_together_make_a_valid_workflow() -> None:
    nodes = [dict(t.example) for t in node_types().values() if t.example is not None]
    assert len(nodes) >= len(node_types()) // 2  # most types show one
    document = {"apiVersion": "flowplane/v1", "kind": "Workflow",
                "metadata": {"name": "examples", "organization": "acme"},
                "spec": {"nodes": nodes}}
    out = io.StringIO()
    YAML().dump(document, out)

    result = load_text(out.getvalue(), "examples.yaml")

    assert result.errors == [], result.errors
