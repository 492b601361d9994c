"""Lease heartbeats do not wait for the main pool: a worker whose jobs hold every main
connection still renews its leases (else they expire and the work is re-dispatched)."""

from __future__ import annotations

import asyncio
import contextlib

from db.engine import engine
from db.tables import Execution
from domain.leases import renew_lease
from tests.factory import Factory


async def test_lease_renews_while_jobs_hold_every_main_connection(factory: Factory) -> None:
    org = await factory.org()
    owner = await factory.user(org=org)
    workflow = await factory.workflow(org, owner)
    execution = Execution(organization=org["id"], workflow=workflow["id"], workflow_version=1,
                          definition={}, status="running", dispatch_generation=3)
    await execution.save()
    pool = engine().pool
    assert pool is not None
    async with contextlib.AsyncExitStack() as held:
        for _ in range(pool.get_max_size()):
            await held.enter_async_context(pool.acquire())
        # Generous liveness guard: through the main pool this would wait forever.
        state = await asyncio.wait_for(renew_lease(execution.id, 3), timeout=30)
        stale = await asyncio.wait_for(renew_lease(execution.id, 2), timeout=30)
    assert (state, stale) == ("held", "lost")
    row = await Execution.select(Execution.lease_expires_at).where(Execution.id == execution.id)
    assert row[0]["lease_expires_at"] is not None
