"""`flowplane dev`: run the platform locally on embedded PostgreSQL and Redis."""

from __future__ import annotations

from pathlib import Path

import typer

from flowplane import dev
from flowplane._help import examples


def dev_command(
    host: str = typer.Option("127.0.0.1", metavar="ADDRESS", help="Address of the API."),
    port: int = typer.Option(8000, metavar="PORT", help="Port of the API."),
    home: Path = typer.Option(Path(".flowplane"), metavar="FOLDER",
                              help="Data of the embedded servers, the dev token, dev.json."),
    repo: Path = typer.Option(Path("."), metavar="PATH",
                              help="Git checkout whose workflows.d/ is synced."),
) -> None:
    """Run the whole platform locally: API, workers, scheduler and git sync.

    PostgreSQL and Redis run embedded, with their data in --home, unless DATABASE_URL is set.
    One instance per --home; Ctrl-C stops everything in order."""
    dev.run_dev(home.resolve(), host, port, repo.resolve())


def register(app: typer.Typer) -> None:
    app.command("dev", epilog=examples(
        "flowplane dev   # what `make dev` runs",
        "flowplane dev --port 8080 --home /tmp/fp-second   # a second, separate platform"))(
        dev_command)
