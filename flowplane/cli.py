"""The `flowplane` command. Each area registers its commands from its own `cmd_*` module;
`main` turns what a command raises into one line on stderr (the traceback only with --debug)."""

from __future__ import annotations

import sys

import typer
from typer.core import TyperCommand, TyperGroup

from flowplane import (
    cmd_admin,
    cmd_deploy,
    cmd_dev,
    cmd_engine,
    cmd_secret,
    cmd_serve,
    cmd_spec,
    cmd_sync,
)
from flowplane._help import make_readable
from flowplane.errors import CliError, describe

app = typer.Typer(
    name="flowplane",
    help="Flowplane: a self-hosted control plane for automation workflows.",
    epilog="Run `flowplane COMMAND --help` for a command's arguments and examples.",
    no_args_is_help=True,
    add_completion=False,
    # Unexpected failures print one line; --debug shows Python's own traceback (never Rich's
    # traceback with local variables: those hold tokens and connection URLs).
    pretty_exceptions_enable=False,
)
_debug = False


@app.callback()
def _options(
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of a failure."),
) -> None:
    global _debug
    _debug = debug


for module in (cmd_admin, cmd_spec, cmd_serve, cmd_engine, cmd_sync, cmd_dev, cmd_deploy,
               cmd_secret):
    module.register(app)


def command() -> TyperCommand | TyperGroup:
    """The click command tree of `flowplane`, with readable help."""
    built = typer.main.get_command(app)
    assert isinstance(built, TyperCommand | TyperGroup)  # what Typer builds
    return make_readable(built)


def main(args: list[str] | None = None) -> None:
    """Entry point of the console script and of `python -m flowplane`."""
    try:
        command().main(args=args, prog_name="flowplane")
    except Exception as error:
        if _debug:
            raise
        typer.echo(f"error: {describe(error)}", err=True)
        sys.exit(error.exit_code if isinstance(error, CliError) else 1)
