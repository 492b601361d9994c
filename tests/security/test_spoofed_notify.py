"""Forged announcements must change nothing. Cancel hints travel on Redis: an organization's
worker user can neither publish nor subscribe to another organization's channel, and a hint
that does reach a listener (whoever may publish) is confirmed against the row before a run is
stopped. Event announcements (PostgreSQL NOTIFY, which any role may send) are re-read."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
import redis.asyncio as aioredis
from redis.exceptions import NoPermissionError

from db.engine import engine
from domain._sql import fetch
from domain.cancel_signals import CancelListener, announce_cancel, cancel_channel
from domain.dispatch import DEFAULT_QUEUE, wake_channel, workflow_queue
from domain.settings import get_settings
from domain.worker_credentials import ensure_worker_credentials
from tests.factory import Factory
from tests.security.test_row_security import _execution, _login, make_tenant


async def test_a_forged_cancel_hint_stops_no_run(factory: Factory, redis_url: str) -> None:
    get_settings.cache_clear()  # the settings follow the session's REDIS_URL
    victim_org, attacker_org = await factory.org("victim"), await factory.org("attacker")
    owner = await factory.user("owner", victim_org)
    workflow = await factory.workflow(victim_org, owner)
    target = await _execution(victim_org, workflow)
    marker = await _execution(victim_org, workflow)
    stopped: list[int] = []
    genuine = asyncio.Event()
    listener = CancelListener.on(redis_url)
    unwatch = [await listener.watch(victim_org["id"], target, lambda: stopped.append(target)),
               await listener.watch(victim_org["id"], marker, genuine.set)]
    creds = await ensure_worker_credentials(attacker_org["id"])
    attacker: aioredis.Redis = aioredis.from_url(creds.redis_url)  # type: ignore[no-untyped-call]
    platform: aioredis.Redis = aioredis.from_url(redis_url)  # type: ignore[no-untyped-call]
    try:
        for command in (("PUBLISH", cancel_channel(victim_org["id"]), str(target)),
                        ("PUBLISH", cancel_channel(attacker_org["id"]), str(target)),
                        ("SUBSCRIBE", cancel_channel(victim_org["id"]))):
            with pytest.raises(NoPermissionError):
                await attacker.execute_command(*command)
        # A stray hint on the right channel (as anyone holding the platform's Redis could
        # send): confirmed against the row, which asks for no cancel.
        assert await platform.publish(cancel_channel(victim_org["id"]), str(target)) >= 1
        # A genuine request, announced after the forged one: hints are confirmed in order,
        # so once it has stopped its run the forged hint was looked at and dismissed.
        async with engine().transaction():
            await fetch("UPDATE execution SET cancel_requested = true WHERE id = $1", marker)
        await announce_cancel(victim_org["id"], marker, redis_url=redis_url)
        await asyncio.wait_for(genuine.wait(), 30)
    finally:
        await attacker.aclose()
        await platform.aclose()
        for stop in unwatch:
            stop()
        await listener.close()
    assert stopped == []


async def test_an_organizations_worker_subscribes_to_its_own_cancel_hints(
        factory: Factory, redis_url: str) -> None:
    """With its own Redis user only, a worker's listener gets its organization's hints."""
    get_settings.cache_clear()
    org = await factory.org("acme")
    execution = await _execution(org, await factory.workflow(org, await factory.user("a", org)))
    creds = await ensure_worker_credentials(org["id"])
    called = asyncio.Event()
    listener = CancelListener.on(creds.redis_url)
    stop = await listener.watch(org["id"], execution, called.set)
    worker: aioredis.Redis = aioredis.from_url(creds.redis_url)  # type: ignore[no-untyped-call]
    other = await factory.org("other")
    try:
        await fetch("UPDATE execution SET cancel_requested = true WHERE id = $1", execution)
        await announce_cancel(org["id"], execution, redis_url=redis_url)
        await asyncio.wait_for(called.wait(), 30)
        # It wakes its own queues' workers (it enqueues released executions), nobody else's.
        # (raises NoPermissionError if refused; counts whoever listens, leftovers included)
        assert await worker.publish(wake_channel(workflow_queue(org["id"], 7)), b"") >= 0
        for channel in (wake_channel(workflow_queue(other["id"], 7)), wake_channel(DEFAULT_QUEUE),
                        cancel_channel(org["id"])):
            with pytest.raises(NoPermissionError):
                await worker.publish(channel, b"1")
    finally:
        stop()
        await listener.close()
        await worker.aclose()


async def test_forged_event_announcements_deliver_nothing_new(factory: Factory,
                                                             database_url: str) -> None:
    """The broker re-reads an announced event by id and delivers it to the stream the row
    names: a forged payload naming the victim's stream and another organization's event id
    reaches no victim subscriber; garbage is ignored; the genuine event still arrives."""
    from domain.recording import LogLine, record
    from graphql_api.broker import Broker

    victim_org, attacker_org = await factory.org("victim"), await factory.org("attacker")
    owner = await factory.user("owner", victim_org)
    stranger = await factory.user("stranger", attacker_org)
    victim = await _execution(victim_org, await factory.workflow(victim_org, owner))
    theirs = await _execution(attacker_org, await factory.workflow(attacker_org, stranger))
    foreign = await fetch("SELECT id FROM event WHERE execution = $1", theirs)
    role, password = await make_tenant(database_url, attacker_org["id"])
    broker = Broker(database_url, queue_size=64, health_interval=0.5)
    await broker.start()
    attacker = await asyncpg.connect(_login(database_url, role, password))
    try:
        await asyncio.wait_for(broker.connected.wait(), 10)
        stream = f"execution:{victim}"
        with broker.subscribe(stream) as subscriber:
            for forged in ("garbage", f"{stream} x y z", *(f"{stream} 1 {e['id']} 0"
                                                         for e in foreign)):
                await attacker.execute("SELECT pg_notify('flowplane_events', $1)", forged)
            await record(victim, LogLine("genuine"))
            received = []
            while True:
                item = await asyncio.wait_for(subscriber.next(), 30)
                received.append(item)
                if not isinstance(item, str) and item.event.kind == "log":  # the genuine one
                    break
    finally:
        await attacker.close()
        await broker.stop()
    events = [item.event for item in received if not isinstance(item, str)]
    assert {e.stream for e in events} == {stream}
    assert not {e.id for e in events} & {e["id"] for e in foreign}


async def test_forged_feed_announcements_hold_no_feed_back(factory: Factory,
                                                          database_url: str) -> None:
    """A forged announcement naming a feed and a transaction that never ends (or an event
    that does not exist) is dropped at the next read: the feed's watermark lag returns to
    0 and the genuine event still arrives."""
    from domain.events import workflow_executions_stream
    from graphql_api.broker import Broker
    from telemetry.metrics import WATERMARK_LAG

    victim_org, attacker_org = await factory.org("victim"), await factory.org("attacker")
    workflow = await factory.workflow(victim_org, await factory.user("owner", victim_org))
    role, password = await make_tenant(database_url, attacker_org["id"])
    broker = Broker(database_url, queue_size=64, health_interval=0.5, max_poll=0.05)
    await broker.start()
    attacker = await asyncpg.connect(_login(database_url, role, password))
    feed = workflow_executions_stream(workflow["id"])
    try:
        await asyncio.wait_for(broker.connected.wait(), 10)
        with broker.subscribe(feed) as subscriber:
            await subscriber.ready()
            forged = f"execution:1 1 999999 {2**62} {workflow['id']} {victim_org['id']}"
            await attacker.execute("SELECT pg_notify('flowplane_events', $1)", forged)
            genuine = await _execution(victim_org, workflow)
            item = await asyncio.wait_for(subscriber.next(), 30)
            assert not isinstance(item, str) and item.event.execution_id == genuine
            deadline = asyncio.get_running_loop().time() + 30
            while broker._tails[feed].held:  # white-box: what the broker still waits for
                assert asyncio.get_running_loop().time() < deadline, broker._tails[feed].held
                await asyncio.sleep(0.02)
            assert WATERMARK_LAG._value.get() == 0.0  # type: ignore[attr-defined]
    finally:
        await attacker.close()
        await broker.stop()


async def test_a_refused_hint_subscription_fails_at_once(factory: Factory) -> None:
    """A channel the ACL refuses (another organization's, or any with an older version's
    rules) fails the subscription with the server's answer instead of leaving it waiting."""
    from domain.hints import Hints

    org, other = await factory.org("acme"), await factory.org("other")
    creds = await ensure_worker_credentials(org["id"])
    subscriptions = Hints(creds.redis_url)
    try:
        with pytest.raises(NoPermissionError):
            await asyncio.wait_for(
                subscriptions.subscribe(cancel_channel(other["id"]), lambda _: None), 30)
        # Its own channel still subscribes on the same connection afterwards.
        await asyncio.wait_for(
            subscriptions.subscribe(cancel_channel(org["id"]), lambda _: None), 30)
    finally:
        await subscriptions.close()
