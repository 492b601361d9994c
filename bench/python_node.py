"""python node overhead, beside baselines of the same run.

- child: the sandboxed child alone (`engine.sandbox.child.run_child`, bubblewrap when usable,
  a trivial `main`) beside a bare `python3 -I -S -c pass` child started the same way
  (asyncio subprocess with pipes) without the sandbox;
- node: trigger→completed of a one-node workflow through an in-process worker, a trivial
  `python` node beside a `transform` node;
- log lines: a python node printing 1,000 lines (the per-node cap) beside the trivial one.

Cold is the first run in this process, after what a worker does once at its start
(`engine.sandbox.announce`: probing bubblewrap, compiling the guest; timed apart as "worker
start"), warm the median of the next WARM runs. Every run starts a fresh interpreter: no warm
reuse.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from bench._common import Figure, environment, print_table, servers

WARM = 15
TRIVIAL = "def main(inputs):\n    return 1\n"
CHATTY = "def main(inputs):\n    for i in range(1000):\n        print('line', i)\n"


async def _cold_warm(once: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    samples = []
    for _ in range(WARM + 1):
        begin = time.perf_counter()
        await once()
        samples.append((time.perf_counter() - begin) * 1000)
    return samples[0], statistics.median(samples[1:])


async def _bare_child() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-I", "-S", "-c", "pass", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={})
    await process.communicate(b"")


async def _sandboxed_child() -> None:
    from engine.sandbox import sandbox_bwrap
    from engine.sandbox.child import Limits, run_child

    bwrap = await asyncio.to_thread(sandbox_bwrap)
    result = await run_child(TRIVIAL, "main.py", {}, "{}", Limits(30, 256),
                             lambda level, line: None, bwrap=bwrap, env={})
    assert result.answer == {"ok": True, "output": 1}, result


async def _worker_start() -> float:
    from engine.sandbox import announce

    begin = time.perf_counter()
    await asyncio.to_thread(announce)
    return (time.perf_counter() - begin) * 1000


async def _workflow(nodes: list[dict[str, Any]]) -> int:
    from db.tables import Organization, Workflow
    from domain.organizations import create_user

    org = Organization(slug=f"bench-{uuid.uuid4().hex[:6]}", name="Bench")
    await org.save()
    user = await create_user(f"bench-{uuid.uuid4().hex[:6]}")
    workflow = Workflow(organization=org.id, owner=user["id"], name="bench", nodes=nodes,
                        connections=[], settings={"maxAttempts": 1})
    await workflow.save()
    return int(workflow.id)


def _run_once(workflow_id: int) -> Callable[[], Awaitable[None]]:
    from domain._sql import fetch_one
    from domain.executions import start_execution

    async def once() -> None:
        row = await start_execution(workflow_id, trigger_type="manual", triggered_by=None,
                                    input={})
        while True:
            done = await fetch_one("SELECT status, error FROM execution WHERE id = $1",
                                   row["id"])
            assert done is not None
            if done["status"] in ("completed", "failed", "cancelled"):
                assert done["status"] == "completed", done["error"]
                return
            await asyncio.sleep(0.002)

    return once


async def _measure(database_url: str, redis_url: str) -> list[Figure]:
    from db import engine
    from domain.dispatch import DEFAULT_QUEUE
    from engine.worker import build_worker

    name = f"flowplane_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(database_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    engine.configure(database_url.rpartition("/")[0] + "/" + name)
    await engine.migrate()
    await engine.engine().start_connection_pool(min_size=1, max_size=10)
    worker = build_worker(DEFAULT_QUEUE, redis_url=redis_url, poll_delay=0.002)
    serving = asyncio.create_task(worker.async_run())
    try:
        start = await _worker_start()
        child = await _cold_warm(_sandboxed_child)
        bare = await _cold_warm(_bare_child)
        transform = await _cold_warm(_run_once(await _workflow(
            [{"id": "t", "type": "transform", "params": {"value": 1}}])))
        python = await _cold_warm(_run_once(await _workflow(
            [{"id": "p", "type": "python", "params": {"code": TRIVIAL}}])))
        chatty = await _cold_warm(_run_once(await _workflow(
            [{"id": "p", "type": "python", "params": {"code": CHATTY}}])))
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        await worker.close()
        await engine.close_pool()
        admin = await asyncpg.connect(database_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    per_second = 1000 / max(0.001, (chatty[1] - python[1]) / 1000)
    return [
        Figure("python_node", "worker start (probe, guest compile)", start, "ms", bare[0],
               "bare python3 child"),
        Figure("python_node", "child, cold", child[0], "ms", bare[0], "bare python3 child"),
        Figure("python_node", "child, warm", child[1], "ms", bare[1], "bare python3 child"),
        Figure("python_node", "trigger→completed, cold", python[0], "ms", transform[0],
               "transform node"),
        Figure("python_node", "trigger→completed, warm", python[1], "ms", transform[1],
               "transform node"),
        Figure("python_node", "1,000 printed lines, warm", chatty[1], "ms", python[1],
               "trivial python node"),
        Figure("python_node", "log lines/s (difference of the two)", per_second, "lines/s"),
    ]


def run() -> list[Figure]:
    with servers() as (database_url, redis_url), environment(REDIS_URL=redis_url):
        return asyncio.run(_measure(database_url, redis_url))


if __name__ == "__main__":
    print_table(run())
