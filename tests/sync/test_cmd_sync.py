"""`flowplane sync --dry-run` prints exactly the plan that `--once` then carries out."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from db.tables import SyncRun, Workflow
from tests.processes import FlowplaneProcess
from tests.sync.conftest import Syncer
from tests.sync.gitrepo import GitRepo, workflow_yaml


def _run(database_url: str, repo: GitRepo, *extra: str) -> tuple[int, str]:
    process = FlowplaneProcess(["sync", "--repo", str(repo.root), "--org", "acme", *extra],
                               {"DATABASE_URL": database_url, "COLUMNS": "160"}).start()
    assert process.process is not None
    return process.process.wait(120), process.output()


async def test_dry_run_prints_the_plan_apply_carries_out(
    repo: GitRepo, sync: Syncer, database_url: str
) -> None:
    repo.write("workflows.d/keep.yaml", workflow_yaml("keep"))
    repo.write("workflows.d/gone.yaml", workflow_yaml("gone"))
    repo.write("workflows.d/edit.yaml", workflow_yaml("edit"))
    repo.commit()
    await sync()
    repo.remove("workflows.d/gone.yaml")
    repo.write("workflows.d/edit.yaml", workflow_yaml("edit", value="v2", state="active"))
    repo.write("workflows.d/new.yaml", workflow_yaml("new"))
    repo.write("workflows.d/bad.yaml", "kind: [")
    repo.commit()
    before = await Workflow.select().order_by(Workflow.id)

    code, dry = await asyncio.to_thread(_run, database_url, repo, "--dry-run")

    assert code == 1  # an invalid file makes the exit status non-zero
    assert await Workflow.select().order_by(Workflow.id) == before
    for expected in ("create", "new", "update", "edit", "deploy", "prune (archive)", "gone",
                     "workflows.d/bad.yaml", "invalid YAML"):
        assert expected in dry, dry
    dry_run = await SyncRun.select().where(SyncRun.dry_run.eq(True)).first()
    assert dry_run is not None

    code, applied = await asyncio.to_thread(_run, database_url, repo, "--once")

    run = await SyncRun.select().where(SyncRun.dry_run.eq(False)).order_by(
        SyncRun.id, ascending=False).first()
    assert run is not None and run["status"] == "invalid", applied
    assert _changes(run["plan"]) == _changes(dry_run["plan"]) != []
    assert [(a["verb"], a["name"]) for a in _changes(run["plan"])] == [
        ("update", "edit"), ("deploy", "edit"), ("create", "new"), ("prune", "gone")]
    again = await sync(dry_run=True)
    assert again.plan is not None and again.plan.changes == []


def _changes(plan: Any) -> list[dict[str, Any]]:
    actions = json.loads(plan) if isinstance(plan, str) else plan
    return [a for a in actions if a["verb"] not in ("unchanged", "skip", "conflict")]


async def test_once_refuses_to_run_while_a_daemon_holds_the_lock(
    repo: GitRepo, acme: dict[str, Any], database_url: str
) -> None:
    from db.engine import engine
    from sync.lock import RepositoryLock

    repo.commit("empty")
    lock = RepositoryLock(engine().config["dsn"], "acme", str(repo.root))
    assert await lock.acquire()
    try:
        code, output = await asyncio.to_thread(_run, database_url, repo, "--once")
    finally:
        await lock.release()
    assert code == 3 and "holds the lock" in output
