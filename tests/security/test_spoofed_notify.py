"""Any role may NOTIFY any channel, an organization's worker role too: a forged announcement
must change nothing. Cancel hints are confirmed against the row before a run is stopped."""

from __future__ import annotations

import asyncio

import asyncpg

from db.engine import engine
from domain._sql import fetch
from domain.cancel_signals import CHANNEL, CancelListener, announce_cancel
from tests.factory import Factory
from tests.security.test_row_security import _execution, _login, make_tenant


async def test_a_forged_cancel_announcement_stops_no_run(factory: Factory,
                                                        database_url: str) -> None:
    victim_org, attacker_org = await factory.org("victim"), await factory.org("attacker")
    owner = await factory.user("owner", victim_org)
    workflow = await factory.workflow(victim_org, owner)
    target = await _execution(victim_org, workflow)
    marker = await _execution(victim_org, workflow)
    role, password = await make_tenant(database_url, attacker_org["id"])
    stopped: list[int] = []
    genuine = asyncio.Event()
    listener = CancelListener(engine().config["dsn"])
    unwatch = [await listener.watch(target, lambda: stopped.append(target)),
               await listener.watch(marker, genuine.set)]
    attacker = await asyncpg.connect(_login(database_url, role, password))
    try:
        await attacker.execute("SELECT pg_notify($1, $2)", CHANNEL, str(target))
        # A genuine request, announced after the forged one: hints are confirmed in order,
        # so once it has stopped its run the forged hint was looked at and dismissed.
        async with engine().transaction():
            await fetch("UPDATE execution SET cancel_requested = true WHERE id = $1", marker)
            await announce_cancel(marker)
        await asyncio.wait_for(genuine.wait(), 30)
    finally:
        await attacker.close()
        for stop in unwatch:
            stop()
        await listener.close()
    assert stopped == []
