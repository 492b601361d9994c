"""Commands of the deploy area: `flowplane local-workers`, the worker processes of the local
provisioner (what `flowplane dev` runs when no Kubernetes cluster is configured).

The platform's process serves the shared default queue and starts one child process per
organization with locally deployed workflows, `flowplane local-workers --organization ID`,
whose environment holds that organization's credentials and none of the platform's.

With a metrics port, the platform's process and its children share one
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode): the port serves the sum,
so the runs of locally deployed workflows are counted where `flowplane dev` points. The
variable must be set before prometheus_client is imported, so without one the process
starts itself again with a fresh folder, which it removes when it ends.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable

import typer

from flowplane._help import examples
from flowplane.observability import METRICS_PORT_OPTION, observe
from flowplane.runtime import bootstrap, run_with_pool


def _stop_on_signals() -> None:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)


async def _until_stopped(*loops: Awaitable[object]) -> None:
    from domain.dispatch import close_pools

    _stop_on_signals()
    try:
        await asyncio.gather(*loops)
    except asyncio.CancelledError:
        pass  # stopped by a signal: the supervisors closed their workers
    finally:
        await close_pools()


def _start_organization(interval: float) -> Callable[[int], Awaitable[subprocess.Popen[bytes]]]:
    from domain.worker_credentials import (
        ensure_worker_credentials,
        with_data_key,
        worker_environment,
    )
    from flowplane.embedded import child_process_options

    async def start(organization_id: int) -> subprocess.Popen[bytes]:
        credentials = await with_data_key(await ensure_worker_credentials(organization_id))
        command = [sys.executable, "-m", "flowplane", "local-workers",
                   "--organization", str(organization_id), "--interval", str(interval)]
        env = worker_environment(os.environ, credentials)
        return await asyncio.to_thread(
            lambda: subprocess.Popen(command, env=env, **child_process_options()))

    return start


def _platform_workers(interval: float, default_queue: bool) -> None:
    from deploy.local import LocalWorkerSupervisor
    from deploy.local_organizations import OrganizationWorkers
    from domain.deployment_phases import reconcile_deployment_phases
    from domain.dispatch import DEFAULT_QUEUE
    from domain.provisioners import local_organizations
    from domain.settings import get_settings
    from domain.worker_credentials import ensure_worker_credentials
    from engine import sandbox
    from engine.sandbox.warm import GUESTS
    from engine.scheduler import every
    from engine.worker import build_worker

    async def desired() -> list[str]:
        return [DEFAULT_QUEUE] if default_queue else []

    async def main() -> None:
        await asyncio.to_thread(sandbox.announce)  # once the servers are known to be there
        redis_url = get_settings().redis_url
        organizations = OrganizationWorkers(local_organizations, _start_organization(interval),
                                            ensure_worker_credentials, redis_url)
        supervisor = LocalWorkerSupervisor(desired, build_worker, redis_url, interval=interval,
                                           also_served=organizations.served)
        try:  # the phase watcher runs here too, so `flowplane dev` needs no scheduler for it
            await _until_stopped(
                supervisor.run(), every(interval, organizations.step, "organization workers"),
                every(1.0, reconcile_deployment_phases, "deployment phases"))
        finally:
            await organizations.stop()
            await GUESTS.close()

    run_with_pool(main, max_size=10, redis=True)


def _organization_workers(organization_id: int, interval: float) -> None:
    from deploy.local import LocalWorkerSupervisor, organization_state_key
    from domain.provisioners import local_queues
    from domain.settings import get_settings
    from engine import sandbox
    from engine.nodes import check_executors
    from engine.sandbox.warm import GUESTS
    from engine.worker import build_worker

    async def desired() -> list[str]:
        return await local_queues(include_default=False, organization_id=organization_id)

    async def main() -> None:
        # As `flowplane worker` does before its first job: every executor loaded, bubblewrap
        # probed and the guest compiled, so the first python node does not wait for them.
        check_executors()
        await asyncio.to_thread(sandbox.announce)
        supervisor = LocalWorkerSupervisor(
            desired, build_worker, get_settings().redis_url, interval=interval,
            state_key=organization_state_key(organization_id))
        try:
            await _until_stopped(supervisor.run())
        finally:
            await GUESTS.close()

    run_with_pool(main, max_size=10, redis=True)


MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
_OWNED_DIR = "FLOWPLANE_OWNED_MULTIPROC_DIR"  # the folder this process made and removes


def _share_metrics_with_children(metrics_port: int | None) -> None:
    """Multiprocess mode for the platform's process and its children (see the module's
    docstring): start again with a fresh PROMETHEUS_MULTIPROC_DIR when none is set, remove
    the folder made that way at exit."""
    from domain.settings import get_settings

    port = get_settings().metrics_port if metrics_port is None else metrics_port
    owned = os.environ.pop(_OWNED_DIR, None)  # not passed on to the children
    if owned is not None and os.environ.get(MULTIPROC_DIR) == owned:
        atexit.register(shutil.rmtree, owned, ignore_errors=True)
        return
    if port == 0 or os.environ.get(MULTIPROC_DIR):
        return
    folder = tempfile.mkdtemp(prefix="flowplane-metrics-")
    env = {**os.environ, MULTIPROC_DIR: folder, _OWNED_DIR: folder}
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "flowplane", *sys.argv[1:]], env)


def local_workers(
    interval: float = typer.Option(0.5, metavar="SECONDS",
                                   help="Seconds between looks at the deployed queues."),
    default_queue: bool = typer.Option(
        True, "--default-queue/--no-default-queue", help="Also serve the default queue."
    ),
    organization: int | None = typer.Option(
        None, "--organization", metavar="ID",
        help="Serve one organization's queues (how local-workers starts its children, with "
             "that organization's credentials in DATABASE_URL and REDIS_URL).",
    ),
    metrics_port: int | None = METRICS_PORT_OPTION,
) -> None:
    """Serve the default queue, and each organization's local workflows in its own process."""
    from flowplane.cmd_engine import check_node_types

    if organization is None:
        _share_metrics_with_children(metrics_port)
    check_node_types()
    bootstrap(redis=True)
    # An organization's child process serves no port of its own: it writes its figures to
    # the PROMETHEUS_MULTIPROC_DIR it inherited, which its parent's port sums.
    observe("local-workers", metrics_port if organization is None else 0)
    if organization is None:
        _platform_workers(interval, default_queue)
    else:
        _organization_workers(organization, interval)


def register(app: typer.Typer) -> None:
    """Add this area's commands to `app`."""
    app.command("local-workers", epilog=examples("flowplane local-workers"))(local_workers)
