"""One local worker process per organization (see `deploy.local`): started, restarted when it
dies, stopped when the organization has nothing deployed locally any more.

Level-based like the queue supervisor: each step compares the organizations that should have
a worker (a callable: the database, through `domain`) with the processes running. How a
process is started (with which credentials) is the caller's: `start(organization_id)` returns
a running process, and `refresh(organization_id)` declares its credentials again when its
worker has gone quiet (a Redis that restarted forgot its ACL users).
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

import redis.asyncio as aioredis

from deploy.local import decode_state, organization_state_key

log = logging.getLogger(__name__)
STOP_SECONDS = 10.0
# How many looks an organization's worker may go without publishing its state before its
# credentials are declared again (a Redis that restarted lost its ACL users).
SILENT_STEPS = 10


class WorkerProcess(Protocol):
    """A started process (subprocess.Popen satisfies it)."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...

    def wait(self, timeout: float | None = None) -> int: ...


class OrganizationWorkers:
    def __init__(
        self,
        desired_organizations: Callable[[], Awaitable[Iterable[int]]],
        start: Callable[[int], Awaitable[WorkerProcess]],
        refresh: Callable[[int], Awaitable[object]],
        redis_url: str,
    ) -> None:
        self._desired = desired_organizations
        self._start = start
        self._refresh = refresh
        self._redis: aioredis.Redis = aioredis.from_url(redis_url)  # type: ignore[no-untyped-call]
        self._running: dict[int, WorkerProcess] = {}
        self._silent: dict[int, int] = {}

    @property
    def organizations(self) -> list[int]:
        return sorted(self._running)

    async def step(self) -> None:
        desired = set(await self._desired())
        for org, process in list(self._running.items()):
            if org not in desired or process.poll() is not None:
                if process.poll() is not None:
                    log.warning("local workers: the worker of organization %s exited (%s)",
                                org, process.poll())
                await self._stop(org)
        for org in sorted(desired - set(self._running)):
            self._running[org] = await self._start(org)
            self._silent[org] = 0
            log.info("local workers: started the worker of organization %s (pid %s)",
                     org, self._running[org].pid)

    async def served(self) -> dict[str, int]:
        """Queue -> process id, as the organizations' workers last published."""
        pods: dict[str, int] = {}
        for org in self.organizations:
            state = decode_state(await self._redis.get(organization_state_key(org)))
            if state is None:
                self._silent[org] = self._silent.get(org, 0) + 1
                if self._silent[org] >= SILENT_STEPS:
                    self._silent[org] = 0
                    try:
                        await self._refresh(org)
                    except Exception:  # the database may be away; the next round tries again
                        log.exception("local workers: cannot refresh organization %s", org)
                continue
            self._silent[org] = 0
            pods.update({queue: state.pid for queue in state.queues})
        return pods

    async def stop(self) -> None:
        for org in list(self._running):
            await self._stop(org)
        await self._redis.aclose()

    async def _stop(self, org: int) -> None:
        process = self._running.pop(org)
        self._silent.pop(org, None)
        if process.poll() is None:
            process.terminate()
            try:
                await asyncio.to_thread(process.wait, STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                await asyncio.to_thread(process.wait)
        log.info("local workers: stopped the worker of organization %s", org)
