"""The arq worker: one `WorkerSettings`, one thin job, and a builder for a worker per queue.

The database pool is opened by whoever runs the workers (the `flowplane worker` command or a
test), not by arq's startup hook, so several queue workers in one process share it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from typing import Any

from arq import Worker, func
from arq.connections import RedisSettings
from redis.exceptions import RedisError

from domain.cancel_signals import SUBSCRIBE_TIMEOUT, close_listener
from domain.dispatch import (
    DEFAULT_QUEUE,
    JOB_NAME,
    WORKER_MAX_JOBS,
    job_organization,
    wake_channel,
)
from domain.hints import hints
from domain.settings import get_settings
from engine import sandbox
from engine.nodes import check_executors
from engine.runner import run_execution
from engine.sandbox.warm import GUESTS

# Longer than the longest execution timeout (7 days): arq must never cut a run short nor
# start it again by itself; the lease and the sweeper handle lost workers, and the sweeper
# removes the in-progress markers (which live this long) that dead workers leave behind.
JOB_TIMEOUT_SECONDS = 8 * 86400
REDIS_RETRY_SECONDS = 1.0
log = logging.getLogger(__name__)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def run_execution_job(ctx: dict[str, Any], execution_id: int, generation: int) -> str:
    """The arq job (Any: arq's context dict); its id names the organization."""
    return await run_execution(execution_id, generation, ctx.get("worker_id") or worker_id(),
                               job_organization(str(ctx["job_id"])))


async def on_startup(ctx: dict[str, Any]) -> None:
    ctx["worker_id"] = worker_id()


class WorkerSettings:
    """What every Flowplane worker runs. `flowplane worker` builds workers from it with
    `build_worker`, adding the Redis URL and the tuned poll delay from the settings (read at
    run time, not import time)."""

    functions = [func(run_execution_job, name=JOB_NAME, timeout=JOB_TIMEOUT_SECONDS)]
    queue_name = DEFAULT_QUEUE
    on_startup = on_startup
    keep_result = 60
    max_jobs = WORKER_MAX_JOBS


class ResilientWorker(Worker):
    """An arq worker that outlives a Redis outage. arq's poll loop lets a connection error end
    the worker; here the poll is tried again until Redis is back, while the running jobs (which
    need only PostgreSQL) go on. Jobs Redis lost meanwhile are dispatched again by the sweeper.

    It also polls as soon as a job is enqueued: `enqueue_execution` publishes a wake-up hint
    on the queue's channel, so a new job waits for no poll interval (arq alone sleeps
    `poll_delay` between polls, half of it on average before a job is seen). The interval stays
    the fallback for a hint lost with the subscription, so arq's own `poll_delay` is 0 and
    the wait happens here, cut short by a hint.
    """

    def __init__(self, *args: Any, poll_delay: float, **kwargs: Any) -> None:
        super().__init__(*args, poll_delay=0, **kwargs)
        self._poll_wait = poll_delay
        self._woken = asyncio.Event()
        self._listening: asyncio.Task[None] | None = None

    def handle_sig(self, signum: int) -> None:
        """What arq's `close()` calls (with SIGUSR1): cancel the running jobs and the poll
        loop. Without arq's "shutdown on SIGUSR1" line: signals are the caller's, who says
        why it stops (`flowplane worker`: "stopped on SIGTERM")."""
        for task in self.tasks.values():
            if not task.done():
                task.cancel()
        if self.main_task is not None:
            self.main_task.cancel()

    async def _poll_iteration(self) -> None:
        if self._listening is None and self._poll_wait > 0:
            self._listening = asyncio.create_task(self._listen_for_jobs())
        self._woken.clear()  # before reading the queue: a job enqueued from now on wakes it
        try:
            await super()._poll_iteration()
        except (OSError, RedisError) as error:
            log.warning("polling Redis failed (%s); trying again", error)
            await asyncio.sleep(REDIS_RETRY_SECONDS)
        if self._poll_wait > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_wait):
                    await self._woken.wait()

    async def _listen_for_jobs(self) -> None:
        try:
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT):
                await hints().subscribe(wake_channel(self.queue_name),
                                        lambda _payload: self._woken.set())
        except (OSError, RedisError, TimeoutError) as error:
            log.warning("no wake-ups for %s (%r): polling every %s s", self.queue_name, error,
                        self._poll_wait)

    async def close(self) -> None:
        if self._listening is not None:
            self._listening.cancel()
            await asyncio.gather(self._listening, return_exceptions=True)
        await super().close()


def build_worker(
    queue_name: str = DEFAULT_QUEUE,
    *,
    burst: bool = False,
    redis_url: str | None = None,
    poll_delay: float | None = None,
    handle_signals: bool = False,
    max_jobs: int | None = None,
) -> Worker:
    settings = get_settings()
    return ResilientWorker(
        functions=WorkerSettings.functions,
        queue_name=queue_name,
        redis_settings=RedisSettings.from_dsn(redis_url or settings.redis_url),
        on_startup=on_startup,
        burst=burst,
        poll_delay=settings.worker_poll_delay if poll_delay is None else poll_delay,
        keep_result=WorkerSettings.keep_result,
        max_jobs=WorkerSettings.max_jobs if max_jobs is None else max_jobs,
        handle_signals=handle_signals,
        job_timeout=JOB_TIMEOUT_SECONDS,
    )


async def run_workers(queues: list[str], *, burst: bool = False) -> None:
    """Serve every queue in this process until cancelled (or, in burst mode, until empty).
    Refuses to start (MissingExecutor) when a declared node type has no executor here."""
    check_executors()
    await asyncio.to_thread(sandbox.announce)
    # Signals are the caller's (`flowplane worker`): arq's handler cancels its own main task,
    # which ends a single-queue worker with a bare CancelledError.
    workers = [build_worker(q, burst=burst) for q in queues]
    try:
        await asyncio.gather(*(w.async_run() for w in workers))
    finally:
        for w in workers:
            await w.close()
        await GUESTS.close()
        await close_listener()
