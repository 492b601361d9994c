"""Dispatch: which arq queue an execution goes to and the one enqueue call.

A workflow that is not deployed runs on the default queue (served by `flowplane worker`);
a deployed one on its own queue, served by the workers provisioned for it. Jobs are enqueued
by name, so callers never import `engine`. The job id carries the dispatch generation: arq
drops an enqueue whose id it still remembers, so every re-dispatch takes a new generation.
Enqueue only after the transaction that created or re-dispatched the execution commits.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.exceptions import RedisError

from domain.settings import get_settings

DEFAULT_QUEUE = "flowplane:default"
JOB_NAME = "run_execution"
log = logging.getLogger(__name__)

_pools: dict[str, tuple[asyncio.AbstractEventLoop, ArqRedis]] = {}


def workflow_queue(workflow_id: int) -> str:
    return f"flowplane:wf:{workflow_id}"


def queue_for(workflow: dict[str, Any]) -> str:
    """The queue of a workflow row (Any: column values): its own once it is deployed."""
    if workflow.get("deployment_phase") == "AVAILABLE":
        return workflow_queue(int(workflow["id"]))
    return DEFAULT_QUEUE


def job_id(execution_id: int, generation: int) -> str:
    return f"exec:{execution_id}:{generation}"


async def arq_pool(url: str | None = None) -> ArqRedis:
    """The process's arq connection for `url` (the settings' Redis by default)."""
    url = url or get_settings().redis_url
    loop = asyncio.get_running_loop()
    cached = _pools.get(url)
    if cached is not None and cached[0] is loop:
        return cached[1]
    pool = await create_pool(RedisSettings.from_dsn(url), default_queue_name=DEFAULT_QUEUE)
    _pools[url] = (loop, pool)
    return pool


async def close_pools() -> None:
    for loop, pool in list(_pools.values()):
        if loop is asyncio.get_running_loop():
            await pool.aclose()
    _pools.clear()


async def enqueue_execution(
    execution_id: int,
    generation: int,
    queue_name: str,
    *,
    defer_until: datetime | None = None,
    redis_url: str | None = None,
) -> bool:
    """Enqueue the job of `execution_id` at `generation`. Returns False when the job already
    exists or Redis is unreachable: the execution stays in PostgreSQL and the sweeper
    dispatches it again, so a lost enqueue loses nothing."""
    try:
        pool = await arq_pool(redis_url)
        job = await pool.enqueue_job(
            JOB_NAME, execution_id, generation,
            _job_id=job_id(execution_id, generation),
            _queue_name=queue_name,
            _defer_until=defer_until,
        )
    except (OSError, RedisError) as error:
        log.warning("could not enqueue execution %s: %s", execution_id, error)
        return False
    return job is not None


async def job_held(
    execution_id: int, generation: int, queue_name: str, *, redis_url: str | None = None
) -> bool:
    """Whether Redis still holds the job of this generation waiting to be picked up.

    A job already picked up (`in_progress`) does not count: callers ask about executions that
    are still pending, and a live worker claims (marks running) what it picks up at once. A
    worker killed between picking a job up and claiming it leaves arq's in-progress marker
    behind until the job timeout (days), so counting it would strand the execution. In the
    rare race with a live worker, the re-dispatch fences the old job out: nothing runs twice.
    """
    from arq.jobs import Job, JobStatus

    pool = await arq_pool(redis_url)
    status = await Job(job_id(execution_id, generation), pool, _queue_name=queue_name).status()
    return status in (JobStatus.queued, JobStatus.deferred)
