"""The README stays true to the code: every setting is documented; the two commands are there."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.settings import Settings, env_name

README = (Path(__file__).parents[1] / "README.md").read_text()


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented_in_the_readme(field: str) -> None:
    assert f"`{env_name(field)}`" in README


def test_readme_shows_the_two_commands() -> None:
    assert "$ make dev" in README and "$ make test" in README
