"""schema.graphql and possibleTypes.json are generated from the code (`make schema`); they must
not go stale, and the possible types must be the schema's own."""

from __future__ import annotations

import json
from pathlib import Path

from graphql import build_schema as parse_sdl
from graphql import is_abstract_type
from typer.testing import CliRunner

from flowplane.cli import app
from graphql_api.schema import possible_types, possible_types_json, sdl

ROOT = Path(__file__).parents[2]
SCHEMA_FILE = ROOT / "schema.graphql"
POSSIBLE_TYPES_FILE = ROOT / "possibleTypes.json"


def test_schema_graphql_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == sdl(), "schema.graphql is stale: run `make schema`"


def test_possible_types_json_matches_the_code() -> None:
    assert POSSIBLE_TYPES_FILE.read_text() == possible_types_json(), (
        "possibleTypes.json is stale: run `make schema`")


def test_graphql_schema_command_prints_the_sdl_or_the_possible_types() -> None:
    result = CliRunner().invoke(app, ["graphql-schema"])
    assert result.exit_code == 0
    assert result.output == sdl()
    types = CliRunner().invoke(app, ["graphql-schema", "--possible-types"])
    assert types.exit_code == 0
    assert json.loads(types.output) == possible_types()


def test_possible_types_name_every_abstract_type_of_the_sdl_with_its_members() -> None:
    """Computed from the published SDL by graphql-core, independently of our code."""
    published = parse_sdl(SCHEMA_FILE.read_text())
    abstract = {name: sorted(t.name for t in published.get_possible_types(kind))
                for name, kind in published.type_map.items()
                if not name.startswith("__") and is_abstract_type(kind)}
    assert json.loads(POSSIBLE_TYPES_FILE.read_text()) == abstract
    assert "Workflow" in abstract["Node"] and "InvalidInput" in abstract["Error"]
