"""The local provisioner for real: a `flowplane local-workers` process against the test's
database and Redis; deploying adds the workflow's queue to it, an execution runs on it,
undeploying removes the queue, and a restarted process serves what the database says."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from db.tables import Environment
from deploy.local import LOCAL_NAMESPACE, published_state
from domain.access import Actor
from domain.deployments import (
    DeploymentFailed,
    deploy_workflow,
    reconcile_deployment_phases,
    undeploy_workflow,
)
from domain.dispatch import workflow_queue
from domain.executions import load_execution, load_workflow, start_execution
from domain.rows import FullExecutionRow, WorkflowRow
from domain.settings import get_settings
from domain.spec.model import DeploymentSettings
from domain.workflows import create_workflow
from tests.domain.test_workflows import definition
from tests.factory import Factory
from tests.processes import FlowplaneProcess


@pytest.fixture(autouse=True)
def _local(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("FLOWPLANE_KUBECONFIG", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
async def workers(database_url: str, redis_url: str, db: str) -> AsyncIterator[FlowplaneProcess]:
    process = start_workers(database_url, redis_url)
    yield process
    process.stop()


def start_workers(database_url: str, redis_url: str) -> FlowplaneProcess:
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url}
    return FlowplaneProcess(["local-workers", "--interval", "0.1"], env,
                            drop=("FLOWPLANE_KUBECONFIG",)).start()


async def until(check: Callable[[], Awaitable[Any]], what: str,
                process: FlowplaneProcess) -> Any:
    for _ in range(600):  # up to ~30 s on a busy machine
        value = await check()
        if value:
            return value
        assert process.process is not None and process.process.poll() is None, process.output()
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what} did not happen:\n{process.output()[-3000:]}")


async def served(redis_url: str) -> list[str]:
    state = await published_state(redis_url)
    return [] if state is None else state.queues


async def owner_and_workflow(factory: Factory) -> tuple[Actor, int]:
    org = await factory.org("acme")
    user = await factory.user("alice", org)
    actor = Actor(user["id"], org["id"], "member")
    nodes = [{"id": "pause", "type": "delay", "params": {"seconds": 1}}]
    row = await create_workflow(actor, "greeter", definition(nodes=nodes))
    return actor, row.id


async def available(workflow_id: int) -> WorkflowRow | None:
    await reconcile_deployment_phases()
    row = await load_workflow(workflow_id)
    return row if row.deployment_phase == "AVAILABLE" else None


async def test_a_deployed_workflow_runs_on_its_own_queue_of_the_local_worker(
    factory: Factory, workers: FlowplaneProcess, redis_url: str
) -> None:
    actor, wid = await owner_and_workflow(factory)

    row = await deploy_workflow(actor, wid)

    assert (row.status, row.deployment_namespace) == ("active", LOCAL_NAMESPACE)
    assert row.deployment_phase == "PROGRESSING" and row.deployment_cpu == 0.5
    row = await until(lambda: available(wid), "phase AVAILABLE", workers)
    # Served by the organization's own worker process, which holds only its credentials.
    pod = int(row.deployment_pod_name)
    assert pod != workers.pid
    assert_holds_only_its_organizations_credentials(pod, actor.organization_id)

    execution = await start_execution(wid, trigger_type="manual", triggered_by=actor.user_id,
                                      input={})
    assert execution.queue_name == workflow_queue(actor.organization_id, wid)

    async def in_state(*states: str) -> FullExecutionRow | None:
        current = await load_execution(int(execution.id))
        return current if current.status in states else None

    running = await until(lambda: in_state("running"), "the execution to run", workers)
    assert str(running.worker_id).endswith(f":{pod}")
    done = await until(lambda: in_state("completed", "failed"), "the execution to end", workers)
    assert done.status == "completed", done.error

    undeployed = await undeploy_workflow(actor, wid)

    assert undeployed.status == "paused" and undeployed.deployment_namespace is None
    queue = workflow_queue(actor.organization_id, wid)
    await until(lambda: _not_served(redis_url, queue), "queue removal", workers)


def assert_holds_only_its_organizations_credentials(pid: int, organization_id: int) -> None:
    environ = dict(entry.split("=", 1) for entry in
                   Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in entry)
    settings = get_settings()
    platform = [settings.database_url, settings.redis_url,
                *(p for p in (urlsplit(settings.database_url).password,
                              urlsplit(settings.redis_url).password) if p)]
    assert [v for v in platform if any(v in value for value in environ.values())] == []
    assert environ["FLOWPLANE_WORKER_ORGANIZATION"] == str(organization_id)
    assert str(urlsplit(environ["DATABASE_URL"]).username).endswith(f"_org_{organization_id}")


async def _not_served(redis_url: str, queue: str) -> bool:
    queues = await served(redis_url)
    return bool(queues) and queue not in queues


async def test_a_restarted_local_worker_serves_what_the_database_says_is_deployed(
    factory: Factory, database_url: str, redis_url: str, db: str
) -> None:
    actor, wid = await owner_and_workflow(factory)
    await deploy_workflow(actor, wid)  # no worker process running yet: stays PROGRESSING
    assert await reconcile_deployment_phases() == 0

    first = start_workers(database_url, redis_url)
    try:
        await until(lambda: available(wid), "phase AVAILABLE", first)
    finally:
        first.stop()
    second = start_workers(database_url, redis_url)
    try:
        queue = workflow_queue(actor.organization_id, wid)
        await until(lambda: _served_by(redis_url, second.pid, queue),
                    "the restarted worker to serve the queue", second)
    finally:
        second.stop()


async def _served_by(redis_url: str, pid: int, queue: str) -> bool:
    state = await published_state(redis_url)
    return state is not None and state.pid == pid and queue in state.queues


async def test_the_local_provisioner_refuses_custom_images(factory: Factory) -> None:
    actor, wid = await owner_and_workflow(factory)
    await Environment(organization=actor.organization_id, name="torch",
                      base_image="ghcr.io/acme/torch:2").save()
    before = await load_workflow(wid)

    with pytest.raises(DeploymentFailed) as raised:
        await deploy_workflow(actor, wid, DeploymentSettings(environment="torch"))

    assert raised.value.reason == "CustomImage"
    assert "ghcr.io/acme/torch:2" in str(raised.value) and "FLOWPLANE_KUBECONFIG" in str(
        raised.value)
    assert await load_workflow(wid) == before


async def test_local_mode_says_it_ignores_the_requested_resources_and_gpus(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from deploy.local import LocalProvisioner
    from deploy.model import DeploymentRequest

    base = "ghcr.io/flowplane/flowplane:latest"
    provisioner = LocalProvisioner("redis://127.0.0.1:1/0", base)
    request = DeploymentRequest(1, "acme", 7, "train", "q", base, cpu=4, memory="16Gi",
                                disk="50Gi", gpu=1, gpu_type="nvidia-a100")

    with caplog.at_level("WARNING", logger="deploy.local"):
        await provisioner.deploy(request)

    assert caplog.messages == [
        "train: local mode ignores cpu 4, memory 16Gi, disk 50Gi, gpu 1 (nvidia-a100): it runs "
        "in its organization's local worker process (set FLOWPLANE_KUBECONFIG to deploy onto "
        "Kubernetes)"]
