"""Dispatch: which arq queue an execution goes to and the one enqueue call.

A workflow that is not deployed runs on the default queue (served by `flowplane worker`);
a deployed one on its own queue, served by the workers provisioned for it. Jobs are enqueued
by name, so callers never import `engine`. The job id carries the dispatch generation: arq
drops an enqueue whose id it still remembers, so every re-dispatch takes a new generation.
Enqueue only after the transaction that created or re-dispatched the execution commits.

Two arq habits are kept from deciding anything. arq scores a job with its enqueuer's clock
and a worker takes only jobs whose score is not ahead of its own clock, so a worker behind
the enqueuer would leave fresh jobs waiting: jobs are scored with their dispatch time on the
database clock, moved back by `SKEW_ALLOWANCE`, so every worker within that of the database
takes them at once and in dispatch order. And a worker that dies leaves arq's in-progress
marker and its queue entry behind for the job timeout (days), where they hide newer jobs
from every poll: a re-dispatch discards the old generation's job, and the sweeper discards
any other leftover (`in_progress_head`, `discard_jobs`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Literal

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import in_progress_key_prefix, job_key_prefix, retry_key_prefix
from arq.jobs import Job, JobStatus
from redis.exceptions import RedisError

from domain.rows import DispatchedRow
from domain.settings import get_settings

DEFAULT_QUEUE = "flowplane:default"
JOB_NAME = "run_execution"
SKEW_ALLOWANCE = timedelta(days=1)
# A job not started within this is dropped by arq; the sweeper then dispatches it again.
JOB_EXPIRES = timedelta(days=1)
# How far into a queue the sweeper looks for leftovers: past what a worker reads per poll
# (arq reads max_jobs * 5 ids).
HEAD_SCAN = 1000
# Jobs one worker runs at once (arq's max_jobs): an autoscaled deployment asks for a worker
# per this many waiting or running jobs.
WORKER_MAX_JOBS = 50
JobState = Literal["queued", "in_progress", "absent"]
log = logging.getLogger(__name__)

_pools: dict[str, tuple[asyncio.AbstractEventLoop, ArqRedis]] = {}


def workflow_queue(organization_id: int, workflow_id: int) -> str:
    """A deployed workflow's queue; it carries the organization, whose workers' Redis user
    may reach only keys under `flowplane:org:<id>:` (domain.redis_acl)."""
    return f"flowplane:org:{organization_id}:wf:{workflow_id}"


def queue_for(organization_id: int, workflow_id: int, deployment_phase: str | None) -> str:
    """The queue of a workflow in `deployment_phase`: its own once it is deployed."""
    if deployment_phase == "AVAILABLE":
        return workflow_queue(organization_id, workflow_id)
    return DEFAULT_QUEUE


def wake_channel(queue_name: str) -> str:
    """Where an enqueue tells the queue's workers to poll now (`engine.worker`); under the
    queue's own name, so an organization's channels carry its prefix (`domain.redis_acl`)."""
    return f"{queue_name}:wake"


def job_id(organization_id: int, execution_id: int, generation: int) -> str:
    """The arq job id; it carries the organization, so arq's keys of the job do too."""
    return f"exec:{organization_id}:{execution_id}:{generation}"


def parse_job_id(value: str) -> tuple[int, int] | None:
    """(execution id, generation) of one of our job ids, None for anything else."""
    parts = value.split(":")
    if len(parts) != 4 or parts[0] != "exec" or not all(
            part.isascii() and part.isdigit() for part in parts[1:]):
        return None
    return int(parts[2]), int(parts[3])


def job_organization(value: str) -> int:
    """The organization of one of our job ids."""
    return int(value.split(":")[1])


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
    organization_id: int,
    execution_id: int,
    generation: int,
    queue_name: str,
    dispatched_at: datetime,
    *,
    redis_url: str | None = None,
) -> bool:
    """Enqueue the job of `execution_id` (of `organization_id`) at `generation`, dispatched
    at `dispatched_at` (the database clock). Returns False when the job already exists or
    Redis is unreachable: the execution stays in PostgreSQL and the sweeper dispatches it
    again, so a lost enqueue loses nothing."""
    try:
        pool = await arq_pool(redis_url)
        job = await pool.enqueue_job(
            JOB_NAME, execution_id, generation,
            _job_id=job_id(organization_id, execution_id, generation),
            _queue_name=queue_name,
            _defer_until=dispatched_at - SKEW_ALLOWANCE,
            _expires=JOB_EXPIRES,
        )
    except (OSError, RedisError) as error:
        log.warning("could not enqueue execution %s: %s", execution_id, error)
        return False
    if job is None:
        return False
    try:
        await pool.publish(wake_channel(queue_name), b"")
    except (OSError, RedisError) as error:  # the workers' next poll finds the job
        log.debug("could not wake the workers of %s: %s", queue_name, error)
    return True


async def enqueue_dispatched(row: DispatchedRow, *, redis_url: str | None = None) -> bool:
    """`enqueue_execution` of an execution just given a new generation."""
    assert row.dispatched_at is not None  # set by the dispatch that returned the row
    return await enqueue_execution(row.organization, row.id, row.dispatch_generation,
                                   row.queue_name, row.dispatched_at, redis_url=redis_url)


async def job_state(
    organization_id: int, execution_id: int, generation: int, queue_name: str, *,
    redis_url: str | None = None,
) -> JobState:
    """Where Redis has the job of this generation: waiting in its queue, picked up by a worker
    (arq's in-progress marker, which a dead worker leaves behind), or nowhere."""
    pool = await arq_pool(redis_url)
    job = Job(job_id(organization_id, execution_id, generation), pool, _queue_name=queue_name)
    status = await job.status()
    if status in (JobStatus.queued, JobStatus.deferred):
        return "queued"
    return "in_progress" if status == JobStatus.in_progress else "absent"


async def in_progress_head(queue_name: str, *, redis_url: str | None = None) -> list[str]:
    """Ids of jobs near the head of the queue that a worker marked in progress."""
    pool = await arq_pool(redis_url)
    ids = [i.decode() for i in await pool.zrange(queue_name, 0, HEAD_SCAN - 1)]
    if not ids:
        return []
    async with pool.pipeline(transaction=False) as pipe:
        for value in ids:
            pipe.exists(in_progress_key_prefix + value)
        marked = await pipe.execute()
    return [value for value, flag in zip(ids, marked, strict=True) if flag]


async def discard_jobs(queue_name: str, job_ids: list[str], *,
                       redis_url: str | None = None) -> None:
    """Remove jobs from their queue with their in-progress markers, atomically per job: a
    worker polling meanwhile either started one before (its run is fenced by generation) or
    never sees it. Best effort: a Redis error is logged, and the next sweep tries again."""
    if not job_ids:
        return
    try:
        pool = await arq_pool(redis_url)
        async with pool.pipeline(transaction=True) as pipe:
            for value in job_ids:
                pipe.zrem(queue_name, value)
                pipe.delete(in_progress_key_prefix + value, job_key_prefix + value,
                            retry_key_prefix + value)
            await pipe.execute()
    except (OSError, RedisError) as error:
        log.warning("could not discard %d jobs of %s: %s", len(job_ids), queue_name, error)
