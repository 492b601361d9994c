"""GET /healthz: the process is up and can reach PostgreSQL and Redis."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse

from db.engine import engine
from domain.redis import redis_client


async def _database_ok() -> bool:
    try:
        await asyncio.wait_for(engine().run_ddl("SELECT 1"), timeout=2)
    except Exception:  # any failure means "not reachable"
        return False
    return True


async def _redis_ok() -> bool:
    client = redis_client()
    try:
        return bool(await asyncio.wait_for(client.ping(), timeout=2))
    except Exception:
        return False
    finally:
        await client.aclose()


async def healthz(request: Request) -> JSONResponse:
    database, redis = await asyncio.gather(_database_ok(), _redis_ok())
    ok = database and redis
    return JSONResponse(
        {"status": "ok" if ok else "degraded", "database": database, "redis": redis},
        status_code=200 if ok else 503,
    )
