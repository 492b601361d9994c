"""Gauges sampled from PostgreSQL and Redis by an always-on process (the scheduler): each
queue's depth and the age of its oldest job, and deployed workflows by phase. A queue's depth
is what to autoscale its workers on (KEDA scales on a Prometheus query of it: it has no scaler
for arq's sorted sets)."""

from __future__ import annotations

import time

from domain._sql import fetch
from domain.dispatch import SKEW_ALLOWANCE, arq_pool
from domain.sweeps import worker_queues
from telemetry.metrics import DEPLOYMENTS, QUEUE_DEPTH, QUEUE_OLDEST_AGE

PHASES = ("PROGRESSING", "AVAILABLE", "FAILED")


async def sample_queues() -> dict[str, int]:
    """Set the queue gauges from Redis; returns each queue's depth. arq scores a job with its
    dispatch time moved back by SKEW_ALLOWANCE (domain.dispatch), in milliseconds."""
    queues = await worker_queues()
    pool = await arq_pool()
    async with pool.pipeline(transaction=False) as pipe:
        for queue in queues:
            pipe.zcard(queue)
            pipe.zrange(queue, 0, 0, withscores=True)
        replies = await pipe.execute()
    now, depths = time.time(), {}
    QUEUE_DEPTH.clear()
    QUEUE_OLDEST_AGE.clear()
    for index, queue in enumerate(queues):
        depth, head = int(replies[2 * index]), replies[2 * index + 1]
        dispatched = head[0][1] / 1000 + SKEW_ALLOWANCE.total_seconds() if head else now
        QUEUE_DEPTH.labels(queue).set(depth)
        QUEUE_OLDEST_AGE.labels(queue).set(max(0.0, now - dispatched))
        depths[queue] = depth
    return depths


async def sample_deployments() -> None:
    rows = await fetch("SELECT deployment_phase AS phase, count(*) AS n FROM workflow"
                       " WHERE deployment_phase IS NOT NULL GROUP BY deployment_phase")
    counts = {str(row["phase"]): int(row["n"]) for row in rows}
    for phase in PHASES:
        DEPLOYMENTS.labels(phase).set(counts.get(phase, 0))


async def sample_gauges() -> None:
    await sample_queues()
    await sample_deployments()
