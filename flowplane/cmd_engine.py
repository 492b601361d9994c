"""Commands of the engine area: `flowplane worker` and `flowplane scheduler`."""

from __future__ import annotations

import asyncio
import logging
import signal

import typer

from flowplane._help import examples
from flowplane.errors import CliError
from flowplane.observability import METRICS_PORT_OPTION, observe
from flowplane.runtime import (
    DAEMON_WAIT_SECONDS,
    bootstrap,
    check_redis,
    check_secret_key,
    run_with_pool,
)


def check_node_types() -> None:
    """A worker that cannot run a declared node type takes no job at all."""
    from engine.nodes import MissingExecutor, check_executors

    try:
        check_executors()
    except MissingExecutor as error:
        raise CliError(f"refusing to start: {error}") from None


def worker(
    queue: list[str] = typer.Option(
        [], "--queue", "-q", metavar="QUEUE",
        help="Queue to serve (repeatable; default: flowplane:default).",
    ),
    burst: bool = typer.Option(False, "--burst", help="Exit once the queues are empty."),
    metrics_port: int | None = METRICS_PORT_OPTION,
) -> None:
    """Run executions from the given queues (what a workflow's worker pod runs)."""
    from domain.dispatch import DEFAULT_QUEUE, close_pools
    from domain.egress import allow_list_problems
    from engine.worker import run_workers

    problems = allow_list_problems()
    if problems:
        raise CliError("the egress allow-list does not parse: " + "; ".join(problems))
    check_node_types()
    check_redis(bootstrap(redis=True).redis_url)  # before the logs start
    observe("worker", metrics_port)

    async def main() -> None:
        await check_secret_key()
        received = _stop_on_signals()
        try:
            await run_workers(queue or [DEFAULT_QUEUE], burst=burst)
        except asyncio.CancelledError:
            if not received:
                raise
            # run_workers closed the workers (their running jobs are cancelled; the sweeper
            # dispatches them again once their leases expire).
            logging.getLogger("flowplane.worker").info("stopped on %s", received[0].name)
        finally:
            await close_pools()

    run_with_pool(main, max_size=10, redis=True, wait=DAEMON_WAIT_SECONDS)


def _stop_on_signals() -> list[signal.Signals]:
    """Cancel the running task on SIGTERM or SIGINT; the list it returns gets the signal."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    received: list[signal.Signals] = []

    def stop(signum: signal.Signals) -> None:
        if not received:
            received.append(signum)
            task.cancel()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop, signum)
    return received


def scheduler(metrics_port: int | None = METRICS_PORT_OPTION) -> None:
    """Fire cron triggers, re-dispatch lost executions, prune old ones (run one or more)."""
    from engine.scheduler import run_scheduler

    bootstrap(redis=True)
    observe("scheduler", metrics_port)
    run_with_pool(run_scheduler, max_size=5, redis=True, wait=DAEMON_WAIT_SECONDS)


def register(app: typer.Typer) -> None:
    """Add this area's commands to `app`."""
    app.command("worker", epilog=examples(
        "flowplane worker", "flowplane worker -q flowplane:org:3:wf:12 --burst"))(worker)
    app.command("scheduler", epilog=examples("flowplane scheduler"))(scheduler)
