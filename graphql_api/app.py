"""The Starlette application: routes (GraphQL with GraphiQL, health, metrics, webhooks, the
web console), the request id and trace of each request, the request body cap and the lifespan
(database pool, the event broker and the live re-authorisation it feeds)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route, WebSocketRoute
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from db import engine
from domain.settings import get_settings
from graphql_api.body_limit import BodySizeLimit
from graphql_api.broker import create_broker
from graphql_api.console import console_routes
from graphql_api.health import healthz, readyz
from graphql_api.live import LiveConnections
from graphql_api.metrics_route import metrics
from graphql_api.reauth import AccessWatch
from graphql_api.request_context import RequestContext
from graphql_api.schema import build_schema
from graphql_api.view import FlowplaneGraphQL
from graphql_api.webhooks import sync_webhook, webhook


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    # Started while PostgreSQL restarts (or behind it in a rollout): waits for it.
    await engine.start_pool(max_size=10, wait=60)
    broker = app.state.broker = create_broker()  # the one LISTEN connection of this process
    broker.access = app.state.access_watch = AccessWatch()
    await broker.start()
    try:
        yield
    finally:
        await broker.stop()
        await engine.close_pool()


def graphql_app() -> FlowplaneGraphQL:
    """GraphQL over HTTP and over websockets with `graphql-transport-ws` only."""
    return FlowplaneGraphQL(
        build_schema(),
        graphql_ide="graphiql",
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
    )


def create_app(*, lifespan_pool: bool = True) -> Starlette:
    graphql = graphql_app()
    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", LiveConnections(graphql)),
        Route("/webhooks/sync/{org_slug}", sync_webhook, methods=["POST"]),
        Route("/webhooks/{token}", webhook, methods=["POST"]),
        *console_routes(),  # last: its fallback answers every other GET with the console
    ]
    middleware = [Middleware(RequestContext),
                  Middleware(BodySizeLimit, max_bytes=get_settings().max_request_bytes)]
    return Starlette(
        routes=routes, middleware=middleware, lifespan=lifespan if lifespan_pool else None
    )
