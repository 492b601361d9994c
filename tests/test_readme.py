"""The README stays true to the code: every setting is documented; the two commands are there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from domain.settings import Settings, env_name

README = (Path(__file__).parents[1] / "README.md").read_text()


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented_in_the_readme(field: str) -> None:
    assert f"`{env_name(field)}`" in README


def test_readme_shows_the_two_commands() -> None:
    assert "$ make dev" in README and "$ make test" in README


def _graphql_blocks() -> list[str]:
    return re.findall(r"```graphql\n(.*?)```", README, re.S)


def test_the_tours_graphql_is_valid_against_the_schema() -> None:
    """Every GraphQL block of the README runs as printed (no hard-coded ids needed)."""
    from graphql import parse, validate

    from graphql_api.schema import build_schema

    schema = build_schema(dev_mode=False)._schema
    blocks = _graphql_blocks()
    assert len(blocks) >= 4
    for block in blocks:
        assert validate(schema, parse(block)) == [], block
        assert not re.search(r'[Ii]d: "\d+"', block), block
