"""The sync daemon: poll the branch, reconcile when it is due, hold the repository lock.

Without a configured branch a local repository is followed where it is checked out: HEAD is
re-read on every tick, so after `git switch` the next run reconciles the new branch.

A run is due when the commit changed, when the last run failed (retried with backoff), when
a `syncNow` request is queued, and every `resync` seconds to correct drift. Only the holder of
the repository's advisory lock works; others wait as standbys. Runs left `running` by a killed
daemon are marked aborted when the lock is taken, and the next run converges.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from db.engine import engine
from domain.organizations import organization_by_slug
from domain.sync_runs import abort_stale_runs, has_requested_run
from sync.desired import ParseCache
from sync.git import GitError
from sync.lock import RepositoryLock
from sync.plan import PlanOptions
from sync.reconcile import RunReport, SyncTarget, reconcile

log = logging.getLogger("flowplane.sync")
RETRY_STATUSES = frozenset({"failed", "partial"})


@dataclass
class _Memory:
    """What the daemon remembers between ticks."""

    commit: str | None = None
    branch: str | None = None
    read_error: str | None = None  # the last failure to read the repository, said once
    status: str | None = None
    last_run: float = 0.0
    failures: int = 0
    cache: ParseCache = field(default_factory=ParseCache)


@dataclass(frozen=True)
class DaemonSettings:
    interval: float = 10.0
    resync: float = 300.0  # a full reconcile at least this often, to correct drift


class Daemon:
    def __init__(self, target: SyncTarget, options: PlanOptions, settings: DaemonSettings,
                 on_report: Callable[[RunReport], None] | None = None) -> None:
        self.target, self.options, self.settings = target, options, settings
        self.on_report = on_report
        self.lock = RepositoryLock(engine().config["dsn"], target.organization,
                                   target.source.location)
        self.memory = _Memory()
        self.stopping = asyncio.Event()

    async def run(self) -> None:
        """Tick until `stopping` is set; the lock is dropped on the way out."""
        organization = await organization_by_slug(self.target.organization)
        holding = False
        try:
            while not self.stopping.is_set():
                holding = await self._tick(organization.id, holding)
                await self._sleep(self.settings.interval)
        finally:
            await self.lock.release()

    async def _tick(self, organization_id: int, holding: bool) -> bool:
        if not await self.lock.acquire():
            if holding or self.memory.last_run == 0.0:
                log.info("another sync daemon holds the lock for %s: standing by",
                         self.target.source.location)
            return False
        if not holding:
            stale = await abort_stale_runs(organization_id, self.target.source.location)
            log.info("holding the sync lock (%d interrupted run(s) marked aborted)", stale)
        commit = await self._read_head()
        if await self._due(organization_id, commit):
            await self._reconcile(commit)
        return True

    async def _read_head(self) -> str | None:
        source = self.target.source
        try:
            commit = await asyncio.to_thread(source.head)
        except Exception as exc:  # a fetch that fails is retried on the next tick
            if str(exc) != self.memory.read_error:
                log.warning("cannot read %s: %s", source.location, exc)
                self.memory.read_error = str(exc)
            return None
        self.memory.read_error = None
        branch = await asyncio.to_thread(source.current_branch)
        if branch != self.memory.branch:
            log.info("following branch %s of %s", branch, source.location)
            self.memory.branch = branch
        return commit

    async def _due(self, organization_id: int, commit: str | None) -> bool:
        memory, now = self.memory, time.monotonic()
        if commit is not None and commit != memory.commit:
            return True
        if memory.status in RETRY_STATUSES or (commit is None and memory.status is None):
            backoff = min(self.settings.interval * float(2 ** min(memory.failures, 16)),
                          self.settings.resync)
            return now - memory.last_run >= backoff
        if now - memory.last_run >= self.settings.resync:
            return True
        return await has_requested_run(organization_id)

    async def _reconcile(self, commit: str | None) -> None:
        memory = self.memory
        memory.last_run = time.monotonic()
        try:
            report = await reconcile(self.target, self.options, cache=memory.cache)
        except GitError as exc:  # recorded as a failed run; retried with backoff
            log.warning("sync run failed: %s", exc)
            memory.commit, memory.status = commit, "failed"
            memory.failures += 1
            return
        except Exception:  # recorded as a failed run; retried with backoff
            log.exception("sync run failed")
            memory.commit, memory.status = commit, "failed"
            memory.failures += 1
            return
        memory.commit, memory.status = report.commit, report.status
        memory.failures = memory.failures + 1 if report.status in RETRY_STATUSES else 0
        if self.on_report is not None:
            self.on_report(report)

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.stopping.wait(), seconds)
        except TimeoutError:
            return


async def run_once(target: SyncTarget, options: PlanOptions, *, dry_run: bool = False
                   ) -> RunReport | None:
    """One reconcile under the repository lock (None when a daemon holds it). A dry run
    changes nothing and needs no lock."""
    if dry_run:
        return await reconcile(target, options, dry_run=True)
    lock = RepositoryLock(engine().config["dsn"], target.organization, target.source.location)
    if not await lock.acquire():
        return None
    try:
        organization = await organization_by_slug(target.organization)
        await abort_stale_runs(organization.id, target.source.location)
        return await reconcile(target, options)
    finally:
        await lock.release()
