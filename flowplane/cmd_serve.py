"""`flowplane serve`: the API server (GraphQL, webhooks, health) under uvicorn."""

from __future__ import annotations

import typer
import uvicorn

from flowplane.runtime import bootstrap


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Serve the GraphQL API, webhooks and /healthz."""
    bootstrap()
    from graphql_api.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info", ws="auto")


def register(app: typer.Typer) -> None:
    app.command()(serve)
