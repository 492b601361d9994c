"""Local provisioning (no cluster, `make dev`): one worker process per organization serves
the queues of its locally deployed workflows, with that organization's credentials only.

The platform's process (`flowplane local-workers`) serves the shared default queue itself and
runs `OrganizationWorkers`: a level-based loop that starts a child process for each
organization with locally deployed workflows (given only that organization's database role
and Redis user, docs/security.md), restarts one that died and stops one no longer wanted.
Each child runs `LocalWorkerSupervisor`: a level-based loop that reads the desired queues
(through its own credentials, so only its organization's), starts an in-process queue worker
for each new queue, stops the workers of removed ones, and publishes `{pid, queues}` under its
organization's key. The platform publishes what all of them serve (`{pid, queues, pods}`) with
a short expiry. Adding a queue never restarts a process, so executions of other workflows
keep running. `LocalProvisioner` only checks requests and reads what the platform published:
the pod name of a local deployment is its organization's worker process id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from deploy.errors import PermanentDeployError
from deploy.manifests import deployment_name_for
from deploy.model import DeploymentHandle, DeploymentRequest, DeploymentStatus, Provisioner

LOCAL_NAMESPACE = "local"
STATE_KEY = "flowplane:local-workers"
_NAME = re.compile(r"^wf-(?P<id>[0-9]+)(-|$)")
log = logging.getLogger(__name__)


class QueueWorker(Protocol):
    """What serves one queue (an arq Worker satisfies it)."""

    async def async_run(self) -> None: ...

    async def close(self) -> None: ...


def _redis(url: str) -> aioredis.Redis:
    client: aioredis.Redis = aioredis.from_url(url)  # type: ignore[no-untyped-call]
    return client


def organization_state_key(organization_id: int) -> str:
    """Where an organization's worker process publishes (a key its Redis user may write)."""
    return f"flowplane:org:{organization_id}:local-workers"


@dataclass(frozen=True)
class WorkerState:
    pid: int
    queues: list[str]
    # The process serving each queue, where it is not `pid` (organizations' processes).
    pods: dict[str, int] = field(default_factory=dict)

    def pid_of(self, queue: str) -> int:
        return self.pods.get(queue, self.pid)


def decode_state(raw: bytes | None) -> WorkerState | None:
    if raw is None:
        return None
    data = json.loads(raw)
    return WorkerState(pid=int(data["pid"]), queues=[str(q) for q in data["queues"]],
                       pods={str(k): int(v) for k, v in data.get("pods", {}).items()})


async def published_state(redis_url: str, key: str = STATE_KEY) -> WorkerState | None:
    """What the running supervisor last published, or None when none runs."""
    client = _redis(redis_url)
    try:
        return decode_state(await client.get(key))
    finally:
        await client.aclose()


class LocalProvisioner:
    """Implements `deploy.model.Provisioner` for the local worker process."""

    def __init__(self, redis_url: str, base_image: str) -> None:
        self._redis_url = redis_url
        self._base_image = base_image

    async def deploy(self, req: DeploymentRequest) -> DeploymentHandle:
        if req.image != self._base_image:
            raise PermanentDeployError(
                "CustomImage",
                f"the local provisioner runs only the base image {self._base_image}, not "
                f"{req.image}: deploy with environment 'custom' or configure a Kubernetes "
                "cluster (FLOWPLANE_KUBECONFIG)",
            )
        # Nothing to create: the supervisor serves what the database says is deployed.
        name = deployment_name_for(req.workflow_id, req.workflow_name)
        gpu = f", gpu {req.gpu} ({req.gpu_type})" if req.gpu else ""
        scale = "" if req.autoscale is None else (
            f", autoscale {{min: {req.autoscale.minimum}, max: {req.autoscale.maximum}}} "
            "(autoscaling is not supported locally: one worker serves it)")
        log.warning("%s: local mode ignores cpu %g, memory %s, disk %s%s%s: it runs in its "
                    "organization's local worker process (set FLOWPLANE_KUBECONFIG to deploy onto "
                    "Kubernetes)", req.workflow_name, req.cpu, req.memory, req.disk, gpu, scale)
        return DeploymentHandle(namespace=LOCAL_NAMESPACE, name=name)

    async def undeploy(self, namespace: str, workflow_id: int) -> None:
        """Nothing to delete: the supervisor drops the queue once the database says so."""

    async def status(self, handle: DeploymentHandle) -> DeploymentStatus:
        match = _NAME.match(handle.name)
        if handle.namespace != LOCAL_NAMESPACE or match is None:
            message = f"{handle.namespace}/{handle.name} is not a local deployment"
            return DeploymentStatus("FAILED", reason="NotFound", message=message)
        suffix = f":wf:{match['id']}"  # queues are flowplane:org:<org>:wf:<workflow>
        try:
            state = await published_state(self._redis_url)
        except (OSError, RedisError) as error:
            return DeploymentStatus("PROGRESSING", message=f"cannot read worker state: {error}")
        if state is None:
            message = "no local worker process is running (`flowplane dev` starts one)"
            return DeploymentStatus("PROGRESSING", message=message)
        queue = next((q for q in state.queues if q.endswith(suffix)), None)
        if queue is None:
            message = f"the queue of workflow {match['id']} is not served yet"
            return DeploymentStatus("PROGRESSING", message=message)
        return DeploymentStatus("AVAILABLE", pod_name=str(state.pid_of(queue)))

    async def wait(self, handle: DeploymentHandle, timeout: float) -> DeploymentStatus:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            current = await self.status(handle)
            if current.phase != "PROGRESSING":
                return current
            if loop.time() >= deadline:
                message = f"not available after {timeout:g}s: {current.message}"
                return DeploymentStatus("FAILED", reason="Timeout", message=message)
            await asyncio.sleep(0.1)


class LocalWorkerSupervisor:
    """Keeps one queue worker running per desired queue, in this process; publishes them (and
    what `also_served` reports other processes serve) under `state_key`."""

    def __init__(
        self,
        desired_queues: Callable[[], Awaitable[Iterable[str]]],
        make_worker: Callable[[str], QueueWorker],
        redis_url: str,
        *,
        interval: float = 0.5,
        state_key: str = STATE_KEY,
        also_served: Callable[[], Awaitable[dict[str, int]]] | None = None,
    ) -> None:
        self._desired = desired_queues
        self._make_worker = make_worker
        self._redis = _redis(redis_url)
        self._interval = interval
        self._state_key = state_key
        self._also_served = also_served
        self._running: dict[str, tuple[QueueWorker, asyncio.Task[None]]] = {}

    @property
    def queues(self) -> list[str]:
        return sorted(self._running)

    async def run(self) -> None:
        """Reconcile forever; a failing step (database or Redis down) is retried."""
        try:
            while True:
                try:
                    await self.step()
                except (OSError, RedisError) as error:
                    log.warning("local workers: %s", error)
                await asyncio.sleep(self._interval)
        finally:
            await self.stop()

    async def step(self) -> None:
        """Start missing workers, stop unwanted or dead ones, publish the served queues."""
        desired = set(await self._desired())
        for queue, (_, task) in list(self._running.items()):
            if queue not in desired or task.done():
                await self._stop_queue(queue)
        for queue in sorted(desired - set(self._running)):
            worker = self._make_worker(queue)
            self._running[queue] = (worker, asyncio.create_task(worker.async_run()))
            log.info("local workers: serving %s", queue)
        pods = {} if self._also_served is None else await self._also_served()
        state = {"pid": os.getpid(), "queues": sorted({*self.queues, *pods}), "pods": pods}
        ttl = max(2, int(self._interval * 6))
        await self._redis.set(self._state_key, json.dumps(state), ex=ttl)

    async def stop(self) -> None:
        for queue in list(self._running):
            await self._stop_queue(queue)
        with contextlib.suppress(OSError, RedisError):
            await self._redis.delete(self._state_key)
        await self._redis.aclose()

    async def _stop_queue(self, queue: str) -> None:
        worker, task = self._running.pop(queue)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception:  # the worker had died: restarted by the next step
            log.exception("local workers: the worker of %s failed", queue)
        try:
            await worker.close()  # cancels the queue's running jobs (the workflow is undeployed)
        except Exception:  # a worker that died may fail to close; the others must go on
            log.exception("local workers: closing %s failed", queue)
        log.info("local workers: stopped %s", queue)


if TYPE_CHECKING:

    def _is_provisioner(provisioner: LocalProvisioner) -> Provisioner:
        return provisioner
