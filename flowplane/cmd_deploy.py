"""Commands of the deploy area: `flowplane local-workers`, the worker process of the local
provisioner (what `flowplane dev` runs when no Kubernetes cluster is configured)."""

from __future__ import annotations

import asyncio
import logging
import signal

import typer

from flowplane._help import examples
from flowplane.runtime import run_with_pool


def local_workers(
    interval: float = typer.Option(0.5, metavar="SECONDS",
                                   help="Seconds between looks at the deployed queues."),
    default_queue: bool = typer.Option(
        True, "--default-queue/--no-default-queue", help="Also serve the default queue."
    ),
) -> None:
    """Serve the queues of every locally deployed workflow in this one process."""
    from deploy.local import LocalWorkerSupervisor
    from domain.deployment_phases import reconcile_deployment_phases
    from domain.dispatch import close_pools
    from domain.provisioners import local_queues
    from domain.settings import get_settings
    from engine import sandbox
    from engine.scheduler import every
    from engine.worker import build_worker
    from flowplane.cmd_engine import check_node_types

    check_node_types()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    async def desired() -> list[str]:
        return await local_queues(include_default=default_queue)

    async def main() -> None:
        await asyncio.to_thread(sandbox.announce)  # once the servers are known to be there
        supervisor = LocalWorkerSupervisor(
            desired, build_worker, get_settings().redis_url, interval=interval)
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, task.cancel)
        try:  # the phase watcher runs here too, so `flowplane dev` needs no scheduler for it
            await asyncio.gather(supervisor.run(), every(
                1.0, reconcile_deployment_phases, "deployment phases"))
        except asyncio.CancelledError:
            pass  # stopped by a signal: the supervisor closed its workers
        finally:
            await close_pools()

    run_with_pool(main, max_size=10, redis=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to `app`."""
    app.command("local-workers", epilog=examples("flowplane local-workers"))(local_workers)
