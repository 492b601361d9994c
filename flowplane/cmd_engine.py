"""Commands of the engine area: `flowplane worker` and `flowplane scheduler`."""

from __future__ import annotations

import logging

import typer

from flowplane.runtime import run_with_pool


def worker(
    queue: list[str] = typer.Option(
        [], "--queue", "-q", help="Queue to serve (repeatable); default flowplane:default"
    ),
    burst: bool = typer.Option(False, "--burst", help="Exit once the queues are empty"),
) -> None:
    """Run executions from the given queues."""
    from domain.dispatch import DEFAULT_QUEUE, close_pools
    from engine.worker import run_workers

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    async def main() -> None:
        try:
            await run_workers(queue or [DEFAULT_QUEUE], burst=burst)
        finally:
            await close_pools()

    run_with_pool(main, max_size=10)


def scheduler() -> None:
    """Fire cron triggers, re-dispatch lost executions, prune old ones."""
    from engine.scheduler import run_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_with_pool(run_scheduler, max_size=5)


def register(app: typer.Typer) -> None:
    """Add this area's commands to `app`."""
    app.command("worker")(worker)
    app.command("scheduler")(scheduler)
