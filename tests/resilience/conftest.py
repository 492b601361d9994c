"""Shared by the resilience tests: the environment of the processes they start (short leases,
a quick sweeper), starting and stopping a set of processes, and the database checks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from domain._sql import fetch
from domain.settings import get_settings
from tests.processes import FlowplaneProcess
from tests.sync.test_daemon import eventually

TERMINAL = ("completed", "failed", "cancelled")
# Short leases and a quick sweeper, so lost work is recovered within seconds.
FAST = {
    "FLOWPLANE_EXECUTION_LEASE_SECONDS": "6",
    "FLOWPLANE_SWEEP_INTERVAL_SECONDS": "0.5",
    "FLOWPLANE_DISPATCH_GRACE_SECONDS": "2",
    "FLOWPLANE_WORKER_POLL_DELAY": "0.01",
}


@pytest.fixture(autouse=True)
def _settings_follow_the_session(redis_url: str) -> Iterator[None]:
    """This process's settings are read after the harness set REDIS_URL."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def env(database_url: str, redis_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url, **FAST}


@contextmanager
def running(*processes: FlowplaneProcess) -> Iterator[tuple[FlowplaneProcess, ...]]:
    """Start the processes; stop whatever is still alive at the end."""
    try:
        for process in processes:
            process.start()
        yield processes
    finally:
        for process in processes:
            process.stop()


async def statuses(execution_ids: list[int]) -> dict[int, str]:
    rows = await fetch("SELECT id, status FROM execution WHERE id = ANY($1)", execution_ids)
    return {int(r["id"]): str(r["status"]) for r in rows}


async def all_terminal(execution_ids: list[int]) -> bool:
    found = await statuses(execution_ids)
    return len(found) == len(execution_ids) and all(s in TERMINAL for s in found.values())


async def terminal_events(execution_ids: list[int]) -> dict[int, list[str]]:
    """Per execution, the terminal statuses its event stream announced (in order)."""
    rows = await fetch(
        "SELECT execution, payload->>'status' AS status FROM event WHERE execution = ANY($1)"
        " AND kind = 'status' AND stream = 'execution:' || execution::text"
        " AND payload->>'status' = ANY($2) ORDER BY seq", execution_ids, list(TERMINAL))
    out: dict[int, list[str]] = {i: [] for i in execution_ids}
    for row in rows:
        out[int(row["execution"])].append(str(row["status"]))
    return out


async def node_spans(execution_ids: list[int]) -> dict[tuple[int, str], list[str]]:
    """Per (execution, node), the statuses of its node spans in order."""
    rows = await fetch(
        "SELECT execution, node_id, status FROM execution_span WHERE execution = ANY($1)"
        " AND kind = 'node' ORDER BY id", execution_ids)
    out: dict[tuple[int, str], list[str]] = {}
    for row in rows:
        out.setdefault((int(row["execution"]), str(row["node_id"])), []).append(row["status"])
    return out


async def wait_terminal(execution_ids: list[int], processes: tuple[FlowplaneProcess, ...],
                        within: float = 120) -> None:
    """Poll the database until every execution ended; on timeout show where they are and
    what the processes printed."""
    try:
        await eventually(lambda: all_terminal(execution_ids), "every execution to end", within)
    except AssertionError:
        states = summary(await statuses(execution_ids))
        logs = "\n".join(f"--- {p.args} ---\n{p.output()[-2500:]}" for p in processes)
        raise AssertionError(f"executions did not all end: {states}\n{logs}") from None


def summary(rows: dict[int, Any]) -> dict[Any, int]:
    """How many of each value (for readable failure messages)."""
    counts: dict[Any, int] = {}
    for value in rows.values():
        counts[value] = counts.get(value, 0) + 1
    return counts
