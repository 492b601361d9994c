"""`--help` of every command: a one-line purpose, every argument and option described, an
example, and value names in capitals instead of Typer's `{paths}...` / `<list[Path]>`."""

from __future__ import annotations

import contextlib
import io
import re

import pytest
from typer.core import TyperGroup

from flowplane.cli import command

PLACEHOLDER = re.compile(r"\{\w+\}|<(?:list\[|str>|int>|bool>|float>|Path>|path>)")


def _leaves(group: TyperGroup, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, sub in sorted(group.commands.items()):
        if isinstance(sub, TyperGroup):
            found += _leaves(sub, (*path, name))
        else:
            found.append((*path, name))
    return found


ROOT = command()
assert isinstance(ROOT, TyperGroup)
COMMANDS = _leaves(ROOT)


def _help(*args: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, str]:
    monkeypatch.setenv("COLUMNS", "200")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = ROOT.main(args=[*args, "--help"], prog_name="flowplane", standalone_mode=False)
    return code, out.getvalue()


def _command(path: tuple[str, ...]) -> object:
    current: object = ROOT
    for name in path:
        assert isinstance(current, TyperGroup)
        current = current.commands[name]
    return current


def test_every_documented_command_is_there() -> None:
    names = {" ".join(path) for path in COMMANDS}
    assert {"dev", "serve", "worker", "scheduler", "local-workers", "sync", "export", "validate",
            "schema", "graphql-schema", "migrate", "org create", "user create",
            "token create"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_has_a_purpose_described_parameters_and_an_example(
    path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, output = _help(*path, monkeypatch=monkeypatch)

    assert code == 0, output
    cmd = _command(path)
    purpose = (getattr(cmd, "help", None) or "").strip().splitlines()
    assert purpose and purpose[0].rstrip().endswith((".", ")")), purpose
    for param in getattr(cmd, "params", []):
        assert getattr(param, "help", None), f"{' '.join(path)}: {param.name} is not described"
    assert "Examples:" in output and f"$ flowplane {' '.join(path)}" in output, output
    assert not PLACEHOLDER.search(output), output


def test_the_top_level_help_offers_debug_and_points_at_command_help(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, output = _help(monkeypatch=monkeypatch)
    assert code == 0
    assert "--debug" in output and "flowplane COMMAND --help" in output
    assert not PLACEHOLDER.search(output), output
