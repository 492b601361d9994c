"""`flowplane serve` answers /healthz with the reachability of PostgreSQL and Redis."""

from __future__ import annotations

import httpx

from tests.processes import ApiServer


def test_healthz_reports_database_and_redis_reachable(db: str, redis_url: str) -> None:
    server = ApiServer({"DATABASE_URL": db, "REDIS_URL": redis_url}).start()
    try:
        response = httpx.get(f"{server.url}/healthz")
    finally:
        server.stop()
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "redis": True}


def test_healthz_is_503_when_redis_is_unreachable(db: str) -> None:
    from flowplane.embedded import free_port

    env = {"DATABASE_URL": db, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    server = ApiServer(env).start(wait_healthy=False)
    try:
        server.wait_until(lambda: _status(server.url) == 503, "503 from /healthz")
        body = httpx.get(f"{server.url}/healthz").json()
    finally:
        server.stop()
    assert body == {"status": "degraded", "database": True, "redis": False}


def _status(url: str) -> int:
    try:
        return httpx.get(f"{url}/healthz", timeout=3).status_code
    except httpx.HTTPError:
        return 0


def test_readyz_needs_database_redis_and_the_event_listener(db: str, redis_url: str) -> None:
    server = ApiServer({"DATABASE_URL": db, "REDIS_URL": redis_url}).start()
    try:
        server.wait_until(lambda: _ready(server.url) == 200, "200 from /readyz")
        body = httpx.get(f"{server.url}/readyz").json()
    finally:
        server.stop()
    assert body == {"status": "ready", "database": True, "redis": True, "listener": True}


def test_readyz_is_503_while_redis_is_unreachable(db: str) -> None:
    from flowplane.embedded import free_port

    env = {"DATABASE_URL": db, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    server = ApiServer(env).start(wait_healthy=False)
    try:
        # The listener needs only PostgreSQL: once it is connected, Redis alone is missing.
        server.wait_until(lambda: _ready(server.url) == 503 and httpx.get(
            f"{server.url}/readyz").json()["listener"], "503 from /readyz, listening")
        response = httpx.get(f"{server.url}/readyz")
    finally:
        server.stop()
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "database": True, "redis": False,
                               "listener": True}


def _ready(url: str) -> int:
    try:
        return httpx.get(f"{url}/readyz", timeout=3).status_code
    except httpx.HTTPError:
        return 0
