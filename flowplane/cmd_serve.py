"""`flowplane serve`: the API server (GraphQL, webhooks, health) under uvicorn;
`flowplane graphql-schema`: the SDL of the API."""

from __future__ import annotations

import typer
import uvicorn

from flowplane._help import examples
from flowplane.embedded import check_port_free
from flowplane.observability import observe
from flowplane.runtime import DAEMON_WAIT_SECONDS, bootstrap, check_secret_key, run_with_pool


def serve(
    host: str = typer.Option("127.0.0.1", metavar="ADDRESS", help="Address to listen on."),
    port: int = typer.Option(8000, metavar="PORT", help="Port to listen on."),
) -> None:
    """Serve the API: GraphQL (and GraphiQL) at /graphql, webhooks, /healthz, /metrics."""
    settings = bootstrap(redis=True)
    check_port_free(host, port, "--port")
    observe("api", serve=False)  # the API answers /metrics on its own port
    run_with_pool(check_secret_key, max_size=1, wait=DAEMON_WAIT_SECONDS)
    from graphql_api.app import create_app

    # Websocket messages get the HTTP body limit; uvicorn refuses bigger frames before
    # buffering them, closing with 1009 (graphql_api.close_codes).
    # log_config=None: uvicorn's loggers propagate to the root handler `observe` set up.
    uvicorn.run(create_app(), host=host, port=port, log_level="info", ws="auto",
                ws_max_size=settings.max_request_bytes, log_config=None)


def graphql_schema(
    possible_types: bool = typer.Option(
        False, "--possible-types",
        help="Print the possibleTypes map (every interface and union with the types it can "
        "be) as JSON instead, for Apollo Client or urql's graphcache."),
) -> None:
    """Print the GraphQL schema (SDL) generated from the code; `make schema` saves it."""
    from graphql_api.schema import possible_types_json, sdl

    typer.echo(possible_types_json() if possible_types else sdl(), nl=False)


def register(app: typer.Typer) -> None:
    app.command(epilog=examples(
        "flowplane serve --host 0.0.0.0 --port 8080",
        "DATABASE_URL=postgresql://flowplane@db/flowplane REDIS_URL=redis://redis:6379/0 "
        "flowplane serve"))(serve)
    app.command("graphql-schema", epilog=examples("flowplane graphql-schema > schema.graphql"))(
        graphql_schema)
