"""Process bootstrap shared by every command: settings, database engine, connection pool."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from db import engine
from domain.settings import Settings, get_settings

T = TypeVar("T")


def bootstrap() -> Settings:
    """Read the settings and point the tables at the configured database."""
    settings = get_settings()
    engine.configure(settings.database_url)
    return settings


def run_with_pool(main: Callable[[], Awaitable[T]], max_size: int = 5) -> T:
    """Run `main` in a fresh event loop with the database pool open around it."""

    async def wrapper() -> T:
        await engine.start_pool(max_size=max_size)
        try:
            return await main()
        finally:
            await engine.close_pool()

    bootstrap()
    return asyncio.run(wrapper())
