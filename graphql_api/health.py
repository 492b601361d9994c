"""GET /healthz: the process is up and can reach PostgreSQL and Redis. GET /readyz: it can
also serve subscriptions, because its event listener is connected (the readiness probe)."""

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


async def readyz(request: Request) -> JSONResponse:
    database, redis = await asyncio.gather(_database_ok(), _redis_ok())
    broker = getattr(request.app.state, "broker", None)
    listener = broker is not None and broker.connected.is_set()
    ready = database and redis and listener
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "database": database, "redis": redis,
         "listener": listener},
        status_code=200 if ready else 503,
    )
