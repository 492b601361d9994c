"""python node overhead, beside baselines of the same run.

- child: the sandboxed child alone (`engine.sandbox`, bubblewrap when usable, a trivial
  `main`) beside a bare `python3 -I -S -c pass` child started the same way (asyncio
  subprocess with pipes) without the sandbox. Cold: a guest started for the run (its first
  run in this process, and the median of RUNS); warm: served by the workflow's guest started
  ahead (`engine.sandbox.warm`), waited for between runs as a workflow's spaced runs find it.
  The samples of the three are interleaved, so load on the machine falls on all alike.
- node: trigger→completed of a one-node workflow through an in-process worker, a trivial
  `python` node with warm guests off (cold) and on (warm) beside a `transform` node;
- log lines: a python node printing 1,000 lines (the per-node cap) beside the trivial one.

"worker start" is what a worker does once before its first job (`check_executors`: every
executor loaded; `engine.sandbox.announce`: probing bubblewrap, compiling the guest).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from bench._common import Figure, environment, print_table, servers

WARM = 15
RUNS = 30
TRIVIAL = "def main(inputs):\n    return 1\n"
CHATTY = "def main(inputs):\n    for i in range(1000):\n        print('line', i)\n"


async def _cold_warm(once: Callable[[], Awaitable[None]],
                     before: Callable[[], Awaitable[object]] | None = None
                     ) -> tuple[float, float]:
    """(first, median of the next WARM) in ms; `before` each, untimed."""
    samples = []
    for _ in range(WARM + 1):
        if before is not None:
            await before()
        begin = time.perf_counter()
        await once()
        samples.append((time.perf_counter() - begin) * 1000)
    return samples[0], statistics.median(samples[1:])


async def _bare_child() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-I", "-S", "-c", "pass", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={})
    await process.communicate(b"")


async def _child_figures() -> tuple[float, float, float, float, float]:
    """(bare first, bare median, cold first, cold median, warm median) in ms."""
    from engine.sandbox import sandbox_bwrap
    from engine.sandbox.child import GuestSpec, Limits, run_child
    from engine.sandbox.warm import GUESTS, Owner

    bwrap = await asyncio.to_thread(sandbox_bwrap)
    spec, limits, owner = GuestSpec(bwrap), Limits(30, 256), Owner(0, 0, "bench")

    def sink(level: str, line: str) -> None:
        pass

    async def cold() -> None:
        result = await run_child(TRIVIAL, "main.py", {}, "{}", limits, sink, bwrap=bwrap,
                                 env={})
        assert result.answer == {"ok": True, "output": 1}, result

    async def warm() -> None:
        result = await GUESTS.run(owner, spec, TRIVIAL, "main.py", {}, "{}", limits, sink,
                                  environ={}, egress=None)
        assert result.answer == {"ok": True, "output": 1} and result.warm, result

    await GUESTS.run(owner, spec, TRIVIAL, "main.py", {}, "{}", limits, sink, environ={},
                     egress=None)  # the owner's first run starts its first guest
    samples: dict[str, list[float]] = {"bare": [], "cold": [], "warm": []}
    for _ in range(RUNS + 1):
        for name, once in (("bare", _bare_child), ("cold", cold), ("warm", warm)):
            await GUESTS.started_for(owner)  # ready, as for a workflow's spaced runs
            begin = time.perf_counter()
            await once()
            samples[name].append((time.perf_counter() - begin) * 1000)
    await GUESTS.close()
    bare, cold_ms, warm_ms = samples["bare"], samples["cold"], samples["warm"]
    return (bare[0], statistics.median(bare[1:]), cold_ms[0], statistics.median(cold_ms[1:]),
            statistics.median(warm_ms))


async def _worker_start() -> float:
    from engine.nodes import check_executors
    from engine.sandbox import announce

    begin = time.perf_counter()
    check_executors()
    await asyncio.to_thread(announce)
    return (time.perf_counter() - begin) * 1000


async def _workflow(nodes: list[dict[str, Any]]) -> tuple[int, int]:
    """(organization id, workflow id) of a new one-workflow organization."""
    from db.tables import Organization, Workflow
    from domain.organizations import create_user

    org = Organization(slug=f"bench-{uuid.uuid4().hex[:6]}", name="Bench")
    await org.save()
    user = await create_user(f"bench-{uuid.uuid4().hex[:6]}")
    workflow = Workflow(organization=org.id, owner=user.id, name="bench", nodes=nodes,
                        connections=[], settings={"maxAttempts": 1})
    await workflow.save()
    return int(org.id), int(workflow.id)


def _run_once(workflow_id: int) -> Callable[[], Awaitable[None]]:
    from domain._sql import fetch_one
    from domain.executions import start_execution

    async def once() -> None:
        row = await start_execution(workflow_id, trigger_type="manual", triggered_by=None,
                                    input={})
        while True:
            done = await fetch_one("SELECT status, error FROM execution WHERE id = $1",
                                   row.id)
            assert done is not None
            if done["status"] in ("completed", "failed", "cancelled"):
                assert done["status"] == "completed", done["error"]
                return
            await asyncio.sleep(0.002)

    return once


def _warm_guest_of(ids: tuple[int, int]) -> Callable[[], Awaitable[object]]:
    """Wait for the workflow's warm guest, as a workflow's spaced runs find it ready."""
    from engine.sandbox.warm import GUESTS, Owner

    return lambda: GUESTS.started_for(Owner(ids[0], ids[1], ""))


def _warm_guests(count: int) -> None:
    from domain.settings import get_settings

    os.environ["FLOWPLANE_PYTHON_WARM_GUESTS"] = str(count)
    get_settings.cache_clear()


async def _measure(database_url: str, redis_url: str) -> list[Figure]:
    from db import engine
    from domain.dispatch import DEFAULT_QUEUE
    from engine.sandbox.warm import GUESTS
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
        bare_first, bare, cold_first, cold, warm = await _child_figures()
        transform = await _cold_warm(_run_once((await _workflow(
            [{"id": "t", "type": "transform", "params": {"value": 1}}]))[1]))
        trivial = [{"id": "p", "type": "python", "params": {"code": TRIVIAL}}]
        _warm_guests(0)
        python_cold = await _cold_warm(_run_once((await _workflow(trivial))[1]))
        _warm_guests(8)
        ids = await _workflow(trivial)
        python_warm = await _cold_warm(_run_once(ids[1]), _warm_guest_of(ids))
        chatty_ids = await _workflow(
            [{"id": "p", "type": "python", "params": {"code": CHATTY}}])
        chatty = await _cold_warm(_run_once(chatty_ids[1]), _warm_guest_of(chatty_ids))
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        await worker.close()
        await GUESTS.close()  # as run_workers does when a worker stops
        await engine.close_pool()
        admin = await asyncpg.connect(database_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    per_second = 1000 / max(0.001, (chatty[1] - python_warm[1]) / 1000)
    child = "bare python3 child"
    return [
        Figure("python_node", "worker start (executors, probe, guest compile)", start, "ms",
               bare_first, child),
        Figure("python_node", "child, cold: first of the process", cold_first, "ms",
               bare_first, child),
        Figure("python_node", "child, cold: guest started for the run", cold, "ms", bare,
               child),
        Figure("python_node", "child, warm: guest started ahead", warm, "ms", bare, child),
        Figure("python_node", "trigger→completed, cold (warm guests off)", python_cold[1],
               "ms", transform[1], "transform node"),
        Figure("python_node", "trigger→completed, warm", python_warm[1], "ms",
               transform[1], "transform node"),
        Figure("python_node", "1,000 printed lines, warm", chatty[1], "ms", python_warm[1],
               "trivial python node"),
        Figure("python_node", "log lines/s (difference of the two)", per_second, "lines/s"),
    ]


def run() -> list[Figure]:
    with servers() as (database_url, redis_url), environment(REDIS_URL=redis_url):
        return asyncio.run(_measure(database_url, redis_url))


if __name__ == "__main__":
    print_table(run())
