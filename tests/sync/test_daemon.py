"""The daemon: polls and reconciles new commits, one worker per repository (advisory lock),
and a run killed mid-apply is converged by the next one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from db.engine import engine
from db.tables import SyncRun, Workflow, WorkflowRevision
from domain.sync_runs import request_sync
from domain.workflow_batch import CREATE_CHUNK
from sync.daemon import Daemon, DaemonSettings
from sync.durations import parse_duration
from sync.lock import RepositoryLock
from sync.plan import PlanOptions
from sync.reconcile import SyncTarget
from sync.source import RepoSource
from tests.factory import Factory
from tests.processes import FlowplaneProcess
from tests.sync.gitrepo import GitRepo, workflow_yaml


async def eventually(check: Callable[[], Any], what: str, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what} not reached within {within}s")


async def names() -> set[str]:
    return {row["name"] for row in await Workflow.select(Workflow.name)}


@pytest.mark.parametrize(("text", "seconds"),
                         [("2s", 2.0), ("1m", 60.0), ("500ms", 0.5), ("1h30m", 5400.0),
                          ("10", 10.0)])
def test_durations_parse(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10x", "-1s", "0s", "s"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


async def test_daemon_reconciles_each_new_commit(repo: GitRepo, acme: dict[str, Any]) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a"))
    repo.commit()
    target = SyncTarget("acme", RepoSource(str(repo.root)))
    daemon = Daemon(target, PlanOptions(), DaemonSettings(interval=0.05, resync=60))
    task = asyncio.create_task(daemon.run())
    try:
        await eventually(lambda: _has(names, {"a"}), "first commit synced")
        repo.write("workflows.d/b.yaml", workflow_yaml("b", state="active"))
        repo.commit()
        await eventually(lambda: _has(names, {"a", "b"}), "second commit synced")
        runs = await SyncRun.count()
        await asyncio.sleep(0.3)  # several ticks at the same commit: no new run
        assert await SyncRun.count() == runs
    finally:
        daemon.stopping.set()
        await task


async def test_daemon_follows_the_branch_checked_out_now(
    repo: GitRepo, acme: dict[str, Any]
) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a"))
    repo.commit()
    target = SyncTarget("acme", RepoSource(str(repo.root)))  # no branch: follow the checkout
    daemon = Daemon(target, PlanOptions(), DaemonSettings(interval=0.05, resync=600))
    task = asyncio.create_task(daemon.run())
    try:
        await eventually(lambda: _has(names, {"a"}), "main synced")
        repo.switch("feature", create=True)
        repo.write("workflows.d/b.yaml", workflow_yaml("b"))
        on_feature = repo.commit()
        await eventually(lambda: _has(names, {"a", "b"}), "the switched-to branch synced")

        async def finished() -> bool:  # its rows commit before the run row is finished
            run = await SyncRun.select().order_by(SyncRun.id, ascending=False).first()
            return run is not None and run["ended_at"] is not None

        await eventually(finished, "the run finished")
        run = await SyncRun.select().order_by(SyncRun.id, ascending=False).first()
        assert run is not None and (run["branch"], run["commit"]) == ("feature", on_feature)
    finally:
        daemon.stopping.set()
        await task


async def test_daemon_claims_a_requested_run_on_its_next_tick(
    repo: GitRepo, acme: dict[str, Any]
) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a"))
    repo.commit()
    target = SyncTarget("acme", RepoSource(str(repo.root)))
    daemon = Daemon(target, PlanOptions(), DaemonSettings(interval=0.05, resync=600))
    task = asyncio.create_task(daemon.run())
    try:
        await eventually(lambda: _has(names, {"a"}), "first commit synced")
        await asyncio.sleep(0.2)  # ticks at the same commit run nothing
        runs = await SyncRun.count()
        requested = await request_sync(int(acme["id"]))  # syncNow, same commit
        await eventually(lambda: _run_status(requested.id, "succeeded"), "requested run done")
        assert await SyncRun.count() == runs + 1  # the queued run itself, not a second one
        claimed = await SyncRun.select().where(SyncRun.id == requested.id).first()
        assert claimed is not None
        assert (claimed["repo"], claimed["commit"]) == (str(repo.root), repo.head())
    finally:
        daemon.stopping.set()
        await task


async def _run_status(run_id: int, status: str) -> bool:
    row = await SyncRun.select(SyncRun.status).where(SyncRun.id == run_id).first()
    return row is not None and row["status"] == status


async def _has(read: Callable[[], Any], expected: set[str]) -> bool:
    found: set[str] = await read()
    return found == expected


async def test_only_one_holder_of_a_repository_lock(db: str) -> None:
    dsn = engine().config["dsn"]
    first, second = RepositoryLock(dsn, "acme", "/r"), RepositoryLock(dsn, "acme", "/r")
    other = RepositoryLock(dsn, "acme", "/other")
    try:
        assert await first.acquire()
        assert await first.acquire()  # re-entrant for its holder
        assert not await second.acquire()
        assert await other.acquire()
        await first.release()
        assert await second.acquire()
    finally:
        for lock in (first, second, other):
            await lock.release()


def _sync_process(database_url: str, repo: GitRepo, *extra: str) -> FlowplaneProcess:
    return FlowplaneProcess(
        ["sync", "--repo", str(repo.root), "--org", "acme", *extra],
        {"DATABASE_URL": database_url},
    )


@pytest.mark.resilience
async def test_two_daemons_only_one_works(
    repo: GitRepo, acme: dict[str, Any], database_url: str
) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a"))
    repo.commit()
    daemons = [_sync_process(database_url, repo, "--interval", "200ms").start() for _ in "ab"]
    try:
        await eventually(lambda: _has(names, {"a"}), "synced by one daemon")
        await eventually(lambda: _one_standby(daemons), "one daemon standing by")
        holders = [d for d in daemons if "holding the sync lock" in d.output()]
        assert len(holders) == 1
        standby = next(d for d in daemons if d is not holders[0])
        holders[0].kill()  # the standby takes over once the lock's connection is gone
        repo.write("workflows.d/b.yaml", workflow_yaml("b"))
        repo.commit()
        await eventually(lambda: _has(names, {"a", "b"}), "synced by the standby")
        assert "holding the sync lock" in standby.output()
    finally:
        for daemon in daemons:
            daemon.stop()


async def _one_standby(daemons: list[FlowplaneProcess]) -> bool:
    return sum("standing by" in d.output() for d in daemons) == 1


@pytest.mark.resilience
async def test_daemon_killed_mid_apply_converges_on_the_next_run(
    repo: GitRepo, acme: dict[str, Any], factory: Factory, database_url: str
) -> None:
    total = CREATE_CHUNK + 50
    for number in range(total):
        repo.write(f"workflows.d/wf-{number:03}.yaml", workflow_yaml(f"wf-{number:03}"))
    repo.commit()
    # An uncommitted workflow named like the last file holds the second chunk of creates on
    # its name (an insert waits for a conflicting one in progress): the kill lands after the
    # first chunk committed and before the second did, whatever the machine's speed.
    holding, release = asyncio.Event(), asyncio.Event()

    async def blocker() -> None:
        async with engine().transaction():
            owner = await factory.user("holder", org=acme)
            await factory.workflow(acme, owner, f"wf-{total - 1:03}")
            holding.set()
            await release.wait()
            raise _RolledBack

    held = asyncio.create_task(blocker())
    await asyncio.wait_for(holding.wait(), 30)
    daemon = _sync_process(database_url, repo, "--interval", "1s").start()
    try:
        await eventually(_creates_held, "the second chunk waiting on the held name", within=120)
    finally:
        daemon.kill()
        release.set()
        with pytest.raises(_RolledBack):
            await held
    assert await Workflow.count() == CREATE_CHUNK, "the kill did not land between the chunks"
    (stale,) = await SyncRun.select().where(SyncRun.status == "running")

    once = _sync_process(database_url, repo, "--once").start()
    code = await asyncio.to_thread(_wait, once)

    assert code == 0, once.output()[-2000:]
    assert await Workflow.count() == total
    assert await Workflow.count().where(Workflow.version != 1) == 0
    assert await WorkflowRevision.count() == total
    aborted = await SyncRun.select().where(SyncRun.id == stale["id"]).first()
    assert aborted is not None and aborted["status"] == "aborted"


class _RolledBack(Exception):
    pass


async def _creates_held() -> bool:
    waiting = await Workflow.raw(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO workflow%'")
    return bool(waiting[0]["n"]) and bool(await Workflow.count() == CREATE_CHUNK)


def _wait(process: FlowplaneProcess) -> int:
    assert process.process is not None
    return process.process.wait(120)
