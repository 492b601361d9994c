"""The `flowplane` command. Each area registers its commands from its own `cmd_*` module."""

from __future__ import annotations

import typer

from flowplane import cmd_admin, cmd_deploy, cmd_dev, cmd_engine, cmd_serve, cmd_spec, cmd_sync

app = typer.Typer(
    name="flowplane",
    help="Flowplane: a self-hosted control plane for automation workflows.",
    no_args_is_help=True,
    add_completion=False,
)

for module in (cmd_admin, cmd_spec, cmd_serve, cmd_engine, cmd_sync, cmd_dev, cmd_deploy):
    module.register(app)
