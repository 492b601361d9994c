"""Dispatch: queue names, generation-carrying job ids, idempotent enqueue on a real Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from arq.constants import in_progress_key_prefix
from arq.jobs import Job, JobStatus

from domain.dispatch import (
    DEFAULT_QUEUE,
    SKEW_ALLOWANCE,
    arq_pool,
    discard_jobs,
    enqueue_execution,
    in_progress_head,
    job_id,
    job_state,
    parse_job_id,
    queue_for,
    workflow_queue,
)

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_undeployed_workflow_runs_on_the_default_queue() -> None:
    assert queue_for(2, 7, None) == DEFAULT_QUEUE
    assert queue_for(2, 7, "PROGRESSING") == DEFAULT_QUEUE


def test_deployed_workflow_runs_on_its_own_queue_under_its_organization() -> None:
    assert queue_for(2, 7, "AVAILABLE") == "flowplane:org:2:wf:7"
    assert workflow_queue(2, 7) == "flowplane:org:2:wf:7"


def test_job_id_carries_the_organization_and_the_dispatch_generation() -> None:
    assert job_id(4, 12, 3) == "exec:4:12:3"
    assert parse_job_id("exec:4:12:3") == (12, 3)
    assert [parse_job_id(v) for v in ("exec:12:3", "other:1:2:3", "exec:1:¹:2", "exec:1:1:x",
                                      "exec:1:2:3:4")] == [None] * 5


async def test_enqueue_is_idempotent_per_generation(db: str, redis_url: str) -> None:
    assert await enqueue_execution(1, 5, 1, DEFAULT_QUEUE, AT, redis_url=redis_url)
    assert not await enqueue_execution(1, 5, 1, DEFAULT_QUEUE, AT, redis_url=redis_url)
    assert await enqueue_execution(1, 5, 2, DEFAULT_QUEUE, AT, redis_url=redis_url)
    pool = await arq_pool(redis_url)
    job = Job(job_id(1, 5, 2), pool, _queue_name=DEFAULT_QUEUE)
    assert await job.status() == JobStatus.queued
    info = await job.info()
    assert info is not None
    assert (info.function, info.args) == ("run_execution", (5, 2))


async def test_enqueue_to_unreachable_redis_reports_failure_instead_of_raising(db: str) -> None:
    assert not await enqueue_execution(1, 5, 1, DEFAULT_QUEUE, AT,
                                       redis_url="redis://127.0.0.1:1/0")


async def test_jobs_are_scored_by_dispatch_time_not_the_enqueuers_clock(
    db: str, redis_url: str
) -> None:
    """A worker takes jobs whose score is not ahead of its own clock: scored by the database
    clock moved back by the allowance, a job is due for any worker within it, and jobs keep
    their dispatch order whoever enqueued them."""
    later, earlier = AT, AT - timedelta(seconds=1)
    await enqueue_execution(1, 7, 1, DEFAULT_QUEUE, later, redis_url=redis_url)
    await enqueue_execution(1, 8, 1, DEFAULT_QUEUE, earlier, redis_url=redis_url)
    pool = await arq_pool(redis_url)
    scored = await pool.zrange(DEFAULT_QUEUE, 0, -1, withscores=True)
    assert [(k.decode(), v) for k, v in scored] == [
        (job_id(1, 8, 1), (earlier - SKEW_ALLOWANCE).timestamp() * 1000),
        (job_id(1, 7, 1), (later - SKEW_ALLOWANCE).timestamp() * 1000)]
    assert await job_state(1, 7, 1, DEFAULT_QUEUE, redis_url=redis_url) == "queued"


async def test_leftover_jobs_are_found_and_discarded(db: str, redis_url: str) -> None:
    for execution_id in (1, 2, 3):
        await enqueue_execution(1, execution_id, 1, DEFAULT_QUEUE, AT, redis_url=redis_url)
    pool = await arq_pool(redis_url)
    for execution_id in (1, 3):  # what a worker killed mid-job leaves behind
        await pool.set(in_progress_key_prefix + job_id(1, execution_id, 1), b"1")
    assert await job_state(1, 1, 1, DEFAULT_QUEUE, redis_url=redis_url) == "in_progress"
    assert await in_progress_head(DEFAULT_QUEUE, redis_url=redis_url) == [
        job_id(1, 1, 1), job_id(1, 3, 1)]
    await discard_jobs(DEFAULT_QUEUE, [job_id(1, 1, 1)], redis_url=redis_url)
    assert await job_state(1, 1, 1, DEFAULT_QUEUE, redis_url=redis_url) == "absent"
    assert await in_progress_head(DEFAULT_QUEUE, redis_url=redis_url) == [job_id(1, 3, 1)]
    assert await job_state(1, 2, 1, DEFAULT_QUEUE, redis_url=redis_url) == "queued"
