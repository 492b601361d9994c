"""How `--help` reads: argument and option values named in capitals (`PATH...`, `--org SLUG`),
as in git or kubectl, and an "Examples" epilog on every command.

Typer 0.29 shows required arguments as `{paths}...` and value types as `<list[Path]>`; that
reads like a template left unfilled. The click tree Typer builds is re-classed here, before it
runs, to print classic metavars instead.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


def examples(*command_lines: str) -> str:
    """The epilog of a command: example invocations, one per paragraph."""
    return "Examples:\n\n" + "\n\n".join(f"$ {line}" for line in command_lines)


def _metavar(param: TyperArgument | TyperOption) -> str:
    if param.metavar:
        return param.metavar
    choices = param.type_descriptor.choices if param.type_descriptor.is_choice else None
    if choices:
        return "|".join(str(choice) for choice in choices)
    return (param.name or "value").upper().replace("_", "-")


class ReadableArgument(TyperArgument):
    @property
    def display_name_raw(self) -> str:
        return _metavar(self)

    def _usage_display_name(self) -> str:
        name = _metavar(self) if self.required else f"[{_metavar(self)}]"
        return f"{name}..." if self.nargs != 1 else name

    def _rich_display_name(self) -> str:
        return f"{_metavar(self)}..." if self.nargs != 1 else _metavar(self)

    def display_type_rich(self, ctx: Any) -> str | None:  # Any: Typer's vendored click Context
        return None  # the name column already says what the value is


class ReadableOption(TyperOption):
    def display_type_rich(self, ctx: Any) -> str | None:  # Any: as above
        if self.is_flag or self.count:
            return None
        return _metavar(self)


def _reclass(param: object) -> None:
    if isinstance(param, TyperArgument):
        param.__class__ = ReadableArgument
    elif isinstance(param, TyperOption):
        param.__class__ = ReadableOption


def make_readable(command: TyperCommand | TyperGroup) -> TyperCommand | TyperGroup:
    """Re-class every Typer parameter of the tree under `command` (in place)."""
    for param in command.params:
        _reclass(param)
    # --help is made on first use and then cached on the command: make it now.
    _reclass(command.get_help_option(command.context_class(command)))
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            assert isinstance(sub, TyperCommand | TyperGroup)  # Typer builds only these
            make_readable(sub)
    return command
