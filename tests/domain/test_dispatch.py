"""Dispatch: queue names, generation-carrying job ids, idempotent enqueue on a real Redis."""

from __future__ import annotations

from arq.jobs import Job, JobStatus

from domain.dispatch import (
    DEFAULT_QUEUE,
    arq_pool,
    enqueue_execution,
    job_id,
    queue_for,
    workflow_queue,
)


def test_undeployed_workflow_runs_on_the_default_queue() -> None:
    assert queue_for({"id": 7, "deployment_phase": None}) == DEFAULT_QUEUE
    assert queue_for({"id": 7, "deployment_phase": "PROGRESSING"}) == DEFAULT_QUEUE


def test_deployed_workflow_runs_on_its_own_queue() -> None:
    assert queue_for({"id": 7, "deployment_phase": "AVAILABLE"}) == "flowplane:wf:7"
    assert workflow_queue(7) == "flowplane:wf:7"


def test_job_id_carries_the_dispatch_generation() -> None:
    assert job_id(12, 3) == "exec:12:3"


async def test_enqueue_is_idempotent_per_generation(db: str, redis_url: str) -> None:
    assert await enqueue_execution(5, 1, DEFAULT_QUEUE, redis_url=redis_url)
    assert not await enqueue_execution(5, 1, DEFAULT_QUEUE, redis_url=redis_url)
    assert await enqueue_execution(5, 2, DEFAULT_QUEUE, redis_url=redis_url)
    pool = await arq_pool(redis_url)
    job = Job(job_id(5, 2), pool, _queue_name=DEFAULT_QUEUE)
    assert await job.status() == JobStatus.queued
    info = await job.info()
    assert info is not None
    assert (info.function, info.args) == ("run_execution", (5, 2))


async def test_enqueue_to_unreachable_redis_reports_failure_instead_of_raising(db: str) -> None:
    assert not await enqueue_execution(5, 1, DEFAULT_QUEUE, redis_url="redis://127.0.0.1:1/0")
