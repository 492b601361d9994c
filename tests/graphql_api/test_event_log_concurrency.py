"""The event log under concurrency: many writers of a few executions of one workflow (so they
queue on each other's row locks, and PostgreSQL wakes them in no fixed order), some of whose
transactions roll back, and readers of every stream (the executions', the workflow's and the
organization's feeds) that keep dropping their subscription and resuming from their cursor,
some falling behind (`Lagged`). Each reader gets exactly the committed events of its stream,
once each, in stream order; none of a rolled-back transaction. And one transaction held open
holds the feeds back, which the broker reports as watermark lag, until it ends."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from db.engine import engine
from domain._sql import fetch
from domain.event_log import START, LoggedEvent, Position, read_after
from domain.events import (
    execution_stream,
    organization_executions_stream,
    workflow_executions_stream,
)
from domain.recording import LogLine, NewExecution, StatusChange, create, record
from graphql_api.broker import Broker
from graphql_api.follow import Lagged, follow
from telemetry.metrics import WATERMARK_LAG
from tests.factory import Factory

EXECUTIONS, WRITERS, WRITES = 3, 12, 20


class _Aborted(Exception):
    pass


@pytest.fixture
async def broker(database_url: str) -> AsyncIterator[Broker]:
    broker = Broker(database_url, queue_size=8, health_interval=0.5, max_poll=0.05)
    await broker.start()
    await asyncio.wait_for(broker.connected.wait(), 10)
    yield broker
    await broker.stop()


async def _execution(wf: dict[str, Any]) -> int:
    created = await create(NewExecution(
        organization_id=wf["organization"], workflow_id=wf["id"], trigger_type="manual",
        triggered_by=None, input={}, workflow_version=1, definition={}, max_attempts=1,
        queue_name="q"))
    return int(created.execution.id)


async def _writer(rng: random.Random, executions: list[int], aborted: list[str]) -> None:
    # Each write holds its execution's row for a moment, so the others queue for it.
    for n in range(WRITES):
        execution = rng.choice(executions)
        marker = f"{id(rng)}:{n}"
        try:
            async with engine().transaction():
                status = rng.choice(["running", "pending"])
                await record(execution, StatusChange(status), LogLine(marker))
                await asyncio.sleep(rng.random() * 0.01)  # overlap the other writers
                if rng.random() < 0.3:
                    raise _Aborted(marker)
        except _Aborted:
            aborted.append(marker)


class _Reader:
    """Follows one stream, dropping its subscription now and then and resuming after the
    last event it received (or the cursor `Lagged` names)."""

    def __init__(self, broker: Broker, stream: str, start: Position, rng: random.Random):
        self.broker, self.stream, self.cursor, self.rng = broker, stream, start, rng
        self.received: list[LoggedEvent] = []
        self.resumed = 0

    async def run(self) -> None:
        while True:
            with self.broker.subscribe(self.stream) as subscriber:
                quota = self.rng.randint(1, 15)
                async for item in follow(subscriber, self.cursor):
                    if isinstance(item, Lagged):
                        self.cursor = item.cursor
                        break
                    self.received.append(item)
                    self.cursor = item.position
                    quota -= 1
                    if quota == 0:
                        break
            self.resumed += 1


async def test_writers_with_aborts_and_resuming_readers_lose_and_repeat_nothing(
    factory: Factory, broker: Broker
) -> None:
    org = await factory.org()
    wf = await factory.workflow(org, await factory.user(org=org))
    executions = [await _execution(wf) for _ in range(EXECUTIONS)]
    streams = [workflow_executions_stream(wf["id"]), organization_executions_stream(org["id"]),
               *(execution_stream(e) for e in executions)]
    readers = [_Reader(broker, s, START, random.Random(i)) for i, s in enumerate(streams)]
    tasks = [asyncio.create_task(r.run()) for r in readers]
    aborted: list[str] = []
    stop = asyncio.Event()
    sampling = asyncio.create_task(_most_lock_waiters(stop))
    try:
        await asyncio.gather(*(_writer(random.Random(100 + w), executions, aborted)
                               for w in range(WRITERS)))
        committed = {s: await _all(s) for s in streams}
        stop.set()
        assert await asyncio.wait_for(sampling, 10) >= 2, "writers never queued on a row lock"
        # Fails when the readers stop making progress for a minute, not when they are slow.
        deadline, progress = time.monotonic() + 60, -1
        while any(len(r.received) < len(committed[r.stream]) for r in readers):
            if (now := sum(len(r.received) for r in readers)) != progress:
                deadline, progress = time.monotonic() + 60, now
            assert time.monotonic() < deadline, [
                (r.stream, len(r.received), len(committed[r.stream])) for r in readers]
            await asyncio.sleep(0.05)
    finally:
        for task in [*tasks, sampling]:
            task.cancel()
        await asyncio.gather(*tasks, sampling, return_exceptions=True)
    assert aborted, "some transactions must roll back for this test to mean anything"
    for reader in readers:
        got = [(e.id, e.position) for e in reader.received]
        assert got == [(e.id, e.position) for e in committed[reader.stream]], reader.stream
    assert sum(r.resumed for r in readers) > len(readers)
    # Nothing of a rolled-back transaction exists to be delivered: their log lines are gone.
    rows = await fetch("SELECT message FROM execution_log")
    assert not {str(r["message"]) for r in rows} & set(aborted)
    # Per stream order: an execution's own events count 1, 2, 3, ...; in the feeds, one
    # execution's changes come in the order of its stream.
    for execution in executions:
        seqs = [e.seq for e in committed[execution_stream(execution)]]
        assert seqs == list(range(1, len(seqs) + 1))
    for feed in streams[:2]:
        positions = [e.position for e in committed[feed]]
        assert positions == sorted(set(positions)), feed
        for execution in executions:
            mine = [e.seq for e in committed[feed] if e.execution_id == execution]
            assert mine == sorted(mine) and mine, (feed, execution)


async def _most_lock_waiters(stop: asyncio.Event) -> int:
    """The most sessions seen waiting for a lock at once, sampled until `stop` is set."""
    most = 0
    while not stop.is_set():
        rows = await fetch("SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a"
                           " ON a.pid = l.pid WHERE NOT l.granted"
                           " AND a.datname = current_database()")
        most = max(most, int(rows[0]["n"]))
        await asyncio.sleep(0.002)
    return most


async def _all(stream: str) -> list[LoggedEvent]:
    events, cursor = [], START
    while page := await read_after(stream, cursor):
        events += page
        cursor = page[-1].position
    return events


async def test_a_transaction_held_open_holds_the_feed_back_and_shows_as_watermark_lag(
    factory: Factory, broker: Broker, database_url: str
) -> None:
    org = await factory.org()
    wf = await factory.workflow(org, await factory.user(org=org))
    feed = workflow_executions_stream(wf["id"])
    idle = await asyncpg.connect(database_url)
    try:
        with broker.subscribe(feed) as subscriber:
            items = follow(subscriber, START)
            first = asyncio.create_task(anext(items))
            await subscriber.ready()
            await idle.execute("BEGIN")
            await idle.fetchval("SELECT pg_current_xact_id()")  # it holds a transaction id
            execution = await _execution(wf)  # committed, but after the open transaction
            deadline = time.monotonic() + 30
            while WATERMARK_LAG._value.get() == 0.0:  # type: ignore[attr-defined]
                assert time.monotonic() < deadline, "the broker never reported the wait"
                await asyncio.sleep(0.02)
            assert not first.done()
            await idle.execute("ROLLBACK")
            event = await asyncio.wait_for(first, 30)
            assert isinstance(event, LoggedEvent) and event.execution_id == execution
            while WATERMARK_LAG._value.get() != 0.0:  # type: ignore[attr-defined]
                assert time.monotonic() < deadline, "the lag was never cleared"
                await asyncio.sleep(0.02)
            await items.aclose()
    finally:
        await idle.close()
