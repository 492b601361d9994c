"""Engine test helpers: settings that follow the session's servers, a burst worker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from domain.dispatch import DEFAULT_QUEUE
from domain.settings import get_settings

LOOPBACK = "127.0.0.0/8 ::1"  # the allow-list of tests whose servers run on this machine


@pytest.fixture(autouse=True)
def _fresh_settings(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings read after the harness set REDIS_URL; short leases so tests stay quick; the
    local servers these tests call listen on loopback, which the operator allows here
    (tests/security checks the default refuses it)."""
    monkeypatch.setenv("FLOWPLANE_EGRESS_ALLOW", LOOPBACK)
    monkeypatch.setenv("FLOWPLANE_EXECUTION_LEASE_SECONDS", "3")
    monkeypatch.setenv("FLOWPLANE_DISPATCH_GRACE_SECONDS", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def drain(redis_url: str, queue: str = DEFAULT_QUEUE, **options: Any) -> int:
    """Run a burst worker until the queue is empty, and again whenever a retry waiting
    meanwhile falls due (dispatched as the scheduler does); returns the number of jobs run."""
    ran = 0
    while True:
        ran += await burst(redis_url, queue, **options)
        if not await dispatch_next_retry():
            return ran


async def burst(redis_url: str, queue: str = DEFAULT_QUEUE, **options: Any) -> int:
    """Run a burst worker until the queue is empty; returns the number of jobs it ran."""
    from engine.worker import build_worker

    worker = build_worker(queue, burst=True, redis_url=redis_url, poll_delay=0, **options)
    try:
        await worker.main()
    finally:
        await worker.close()
    return int(worker.jobs_complete + worker.jobs_failed)


_WAITING = ("SELECT count(*) FROM execution WHERE status = 'running' AND lease_expires_at IS NULL"
            " AND dispatched_at < next_attempt_at")


async def dispatch_next_retry(within: float = 60.0) -> bool:
    """Wait until a waiting retry is due on the database clock and dispatch it; False when no
    execution waits for its next attempt."""
    from domain._sql import fetch_one
    from domain.sweeps import dispatch_due_retries

    deadline = time.monotonic() + within
    while (await fetch_one(_WAITING) or {}).get("count"):
        if await dispatch_due_retries():
            return True
        if time.monotonic() > deadline:
            raise AssertionError(f"no retry fell due within {within} s")
        await asyncio.sleep(0.02)
    return False


@pytest.fixture
async def http_server() -> Any:
    """A local HTTP server: yields (base URL, recorder of what it received)."""
    from tests.engine.servers import Recorder, build_app, serve

    recorder = Recorder()
    async with serve(build_app(recorder)) as url:
        yield url, recorder
