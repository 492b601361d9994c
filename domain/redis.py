"""One way to open a Redis client (redis-py's `from_url` is untyped)."""

from __future__ import annotations

import redis.asyncio as aioredis

from domain.settings import get_settings


def redis_client(url: str | None = None) -> aioredis.Redis:
    client: aioredis.Redis = aioredis.from_url(  # type: ignore[no-untyped-call]
        url or get_settings().redis_url
    )
    return client
