"""schema.graphql is generated from the code (`make schema`); it must not go stale."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from flowplane.cli import app
from graphql_api.schema import sdl

SCHEMA_FILE = Path(__file__).parents[2] / "schema.graphql"


def test_schema_graphql_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == sdl(), "schema.graphql is stale: run `make schema`"


def test_graphql_schema_command_prints_the_sdl() -> None:
    result = CliRunner().invoke(app, ["graphql-schema"])
    assert result.exit_code == 0
    assert result.output == sdl()
