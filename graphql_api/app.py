"""The Starlette application: routes and lifespan (database pool)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Route

from db import engine
from graphql_api.health import healthz


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    await engine.start_pool(max_size=10)
    try:
        yield
    finally:
        await engine.close_pool()


def create_app() -> Starlette:
    routes = [Route("/healthz", healthz, methods=["GET"])]
    return Starlette(routes=routes, lifespan=lifespan)
