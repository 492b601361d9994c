"""PostgreSQL restarted again and again under a `flowplane scheduler`, the first time while the
scheduler starts (opening its pool: on a loaded machine its start took long enough for the
restart of a resilience test to land in it, and it exited with `error: PostgreSQL: connection
was closed in the middle of operation`, leaving an execution running forever). Every restart
drops its pooled connections, some mid-statement or mid-reset; it must neither exit nor stop
sweeping."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from db.engine import engine
from domain._sql import fetch
from domain.executions import start_execution
from tests.factory import Factory
from tests.processes import FlowplaneProcess
from tests.resilience.conftest import Restartable
from tests.sync.test_daemon import eventually

pytestmark = [pytest.mark.resilience, pytest.mark.slow]
RESTARTS = 4


async def _generation(execution_id: int) -> int:
    rows = await fetch("SELECT dispatch_generation FROM execution WHERE id = $1", execution_id)
    return int(rows[0]["dispatch_generation"])


async def _reconnect() -> None:
    """This process's pooled connections died with the server."""
    pool = engine().pool
    assert pool is not None
    await pool.expire_connections()


async def test_scheduler_survives_postgres_restarts_and_still_sweeps(
    factory: Factory, restartable: Restartable
) -> None:
    org = await factory.org()
    user = await factory.user(org=org)
    workflow = await factory.workflow(
        org, user, nodes=[{"id": "a", "type": "transform", "params": {"value": 1}}])
    scheduler = FlowplaneProcess(["scheduler"], restartable.env)
    restartable.pg.stop()  # the scheduler starts while PostgreSQL is down for a restart
    try:
        scheduler.start()
        # Until it tried to open its pool (and said it could not) or gave up.
        await asyncio.to_thread(_until_tried, scheduler)
        assert scheduler.process is not None
        assert scheduler.process.poll() is None, \
            f"the scheduler exited while PostgreSQL restarted:\n{scheduler.output()[-3000:]}"
    except BaseException:
        scheduler.stop()
        raise
    finally:
        await asyncio.to_thread(restartable.pg.start)
        await _reconnect()
    try:
        for n in range(RESTARTS):
            await asyncio.sleep(0.3 + n * 0.4)  # its loops are back on the database, mid-work
            await asyncio.to_thread(restartable.pg.restart)
            await _reconnect()
            assert scheduler.process is not None
            assert scheduler.process.poll() is None, \
                f"the scheduler exited after restart {n + 1}:\n{scheduler.output()[-3000:]}"
        # Still sweeping: an execution whose job Redis lost is dispatched again.
        execution = await start_execution(workflow["id"], trigger_type="manual",
                                          triggered_by=user["id"], input={})
        first = await _generation(int(execution.id))
        await asyncio.to_thread(restartable.redis.restart_empty)
        await eventually(lambda: _redispatched(int(execution.id), first),
                         "the sweep to re-dispatch the lost execution", 120)
        assert scheduler.process.poll() is None, scheduler.output()[-3000:]
    finally:
        scheduler.stop()


def _until_tried(scheduler: FlowplaneProcess, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if "cannot reach PostgreSQL" in scheduler.output():
            time.sleep(0.5)  # had it exited on that, it is gone by now
            return
        if scheduler.process is not None and scheduler.process.poll() is not None:
            return
        time.sleep(0.1)
    raise AssertionError(f"the scheduler never tried PostgreSQL:\n{scheduler.output()}")


async def _redispatched(execution_id: int, first: int) -> bool:
    return await _generation(execution_id) > first


async def test_a_transaction_whose_connection_died_is_forgotten(factory: Factory) -> None:
    """The task goes on querying after a transaction lost its connection (a scheduler loop
    after a PostgreSQL restart), instead of using the dead transaction forever."""
    with pytest.raises(asyncpg.InterfaceError):
        async with engine().transaction():
            await fetch("SELECT pg_terminate_backend(pg_backend_pid())")
    assert engine().current_transaction.get() is None
    assert await fetch("SELECT 1 AS one") == [{"one": 1}]
