"""Warm guests: a sandboxed guest started ahead of a workflow's next `python` node, so the
node does not wait for bubblewrap and the interpreter to start.

A guest is started for one owner — organization, workflow and which deployment of it — and
one `GuestSpec` (bubblewrap, the environment's package directories, egress), and is handed
only to a run of that same owner and spec: never to another workflow or organization, nor
after a redeploy or a change of environment (such a guest is killed when it is next looked
for). It serves one run and is gone; a fresh one is started once that run is over, so no
module, file or process of run N is there in run N+1. Until its request comes the guest has
run no user code: it is an interpreter blocked on reading stdin, in its sandbox, with a
working directory of its own.

Bounded: at most one idle guest per workflow and `FLOWPLANE_PYTHON_WARM_GUESTS` in all per
worker process (the least recently used goes first; 0 turns warm guests off), each killed
after `FLOWPLANE_PYTHON_WARM_IDLE_SECONDS` unused, and all of them when the worker stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from domain.egress import EgressPolicy
from domain.settings import get_settings
from engine.sandbox.child import ChildResult, Guest, GuestSpec, Limits, LogSink, start_guest
from telemetry.metrics import PYTHON_GUESTS

log = logging.getLogger(__name__)
_START_SECONDS = 30.0  # what close() waits for guests being started


@dataclass(frozen=True)
class Owner:
    organization_id: int
    workflow_id: int
    deployment: str  # when the workflow was deployed ("" when it is not): a redeploy is new


@dataclass
class _Idle:
    owner: Owner
    spec: GuestSpec
    guest: Guest
    expiry: asyncio.TimerHandle


class WarmGuests:
    """The idle guests of this worker process, by (organization, workflow)."""

    def __init__(self) -> None:
        self._idle: OrderedDict[tuple[int, int], _Idle] = OrderedDict()
        self._starting: dict[tuple[int, int], asyncio.Task[None]] = {}
        self._chores: set[asyncio.Task[None]] = set()  # discards under way
        self.started = 0  # guests started ahead of a run, all told
        self._generation = 0  # one more at each close(): what was starting is not kept

    async def run(self, owner: Owner, spec: GuestSpec, code: str, filename: str,
                  inputs: Any, services: str, limits: Limits, sink: LogSink, *,
                  environ: dict[str, str], egress: EgressPolicy | None) -> ChildResult:
        """Run the node in the owner's warm guest if one is waiting, else in one started
        now; then start the owner's next guest (Any: JSON inputs)."""
        guest = self._take(owner, spec)
        warm = guest is not None
        if guest is None:
            guest = await start_guest(spec)
        PYTHON_GUESTS.labels("warm" if warm else "cold").inc()
        try:
            result = await guest.run(code, filename, inputs, services, limits, sink,
                                     environ=environ, egress=egress)
        finally:
            self._top_up(owner, spec)
        return dataclasses.replace(result, warm=warm)

    def idle(self, owner: Owner) -> Guest | None:
        """The owner's idle guest, if any (for tests and the benchmark)."""
        found = self._idle.get((owner.organization_id, owner.workflow_id))
        return found.guest if found is not None and found.owner == owner else None

    async def started_for(self, owner: Owner) -> Guest | None:
        """The owner's next guest once it has started (None when none is being started)."""
        starting = self._starting.get((owner.organization_id, owner.workflow_id))
        if starting is not None:
            await asyncio.shield(starting)
        guest = self.idle(owner)
        if guest is not None:
            await guest.ready
        return guest

    async def close(self) -> None:
        """Kill every idle guest and stop starting new ones (the worker stops)."""
        # Guests being started are let start (cancelling a process start half-way can leave
        # asyncio waiting for a child that never ends) and then discarded, not kept.
        self._generation += 1
        if self._starting:
            await asyncio.wait(list(self._starting.values()), timeout=_START_SECONDS)
        while self._idle:
            _, idle = self._idle.popitem()
            await self._discard(idle)

    def _take(self, owner: Owner, spec: GuestSpec) -> Guest | None:
        self._forget_other_loops()
        idle = self._idle.pop((owner.organization_id, owner.workflow_id), None)
        if idle is None:
            return None
        idle.expiry.cancel()
        if idle.owner == owner and idle.spec == spec and idle.guest.alive:
            return idle.guest
        # Redeployed, another environment, or dead: never handed to this run.
        self._spawn(self._discard(idle))
        return None

    def _top_up(self, owner: Owner, spec: GuestSpec) -> None:
        key = (owner.organization_id, owner.workflow_id)
        if get_settings().python_warm_guests <= 0 or key in self._idle or key in self._starting:
            return
        task = asyncio.ensure_future(self._start(key, owner, spec))
        self._starting[key] = task
        task.add_done_callback(lambda _: self._starting.pop(key, None))

    async def _start(self, key: tuple[int, int], owner: Owner, spec: GuestSpec) -> None:
        generation = self._generation
        try:
            guest = await start_guest(spec)
        except OSError as error:  # the next run starts its own
            log.warning("could not start a warm python guest: %s", error)
            return
        self.started += 1
        if generation != self._generation:  # closed meanwhile
            await guest.discard()
            return
        capacity = get_settings().python_warm_guests
        while len(self._idle) >= capacity:
            _, oldest = self._idle.popitem(last=False)
            oldest.expiry.cancel()
            self._spawn(self._discard(oldest))
        loop = asyncio.get_running_loop()
        expiry = loop.call_later(get_settings().python_warm_idle_seconds, self._expire, key,
                                 guest)
        self._idle[key] = _Idle(owner, spec, guest, expiry)

    def _expire(self, key: tuple[int, int], guest: Guest) -> None:
        idle = self._idle.get(key)
        if idle is not None and idle.guest is guest:
            del self._idle[key]
            self._spawn(self._discard(idle))

    def _forget_other_loops(self) -> None:
        """Guests started by an event loop that is gone (tests run several) cannot be
        served from this one: killed."""
        loop = asyncio.get_running_loop()
        for key, idle in list(self._idle.items()):
            if idle.guest.loop is not loop:
                del self._idle[key]
                idle.guest.kill()

    async def _discard(self, idle: _Idle) -> None:
        idle.expiry.cancel()
        await idle.guest.discard()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:  # Any: coroutine plumbing
        task = asyncio.ensure_future(work)
        self._chores.add(task)
        task.add_done_callback(self._chore_done)

    def _chore_done(self, task: asyncio.Task[None]) -> None:
        self._chores.discard(task)
        with contextlib.suppress(asyncio.CancelledError):
            if task.exception() is not None:
                log.warning("discarding a warm python guest failed: %s", task.exception())


GUESTS = WarmGuests()
