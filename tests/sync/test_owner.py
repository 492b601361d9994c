"""metadata.owner: sync makes that member the owner, corrects an owner changed behind its back,
reports an unknown owner as a file error, and export writes the owner back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from db.tables import AppUser, Workflow
from sync.export import export_workflows
from tests.sync.conftest import Syncer
from tests.sync.gitrepo import GitRepo, workflow_yaml


async def owners() -> dict[str, str]:
    rows = await Workflow.select(Workflow.name, Workflow.owner.handle)
    return {row["name"]: row["owner.handle"] for row in rows}


async def test_metadata_owner_owns_the_created_workflow(repo: GitRepo, sync: Syncer) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a", owner="bob"))
    repo.write("workflows.d/b.yaml", workflow_yaml("b"))
    repo.commit()

    report = await sync()

    assert report.status == "succeeded", report
    found = await owners()
    assert found["a"] == "bob"
    assert found["b"].startswith("sync-")  # no owner in git: the sync principal


async def test_owner_change_in_git_is_applied_without_a_new_version(
    repo: GitRepo, sync: Syncer
) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a", owner="bob"))
    repo.commit()
    await sync()
    repo.write("workflows.d/a.yaml", workflow_yaml("a", owner="alice"))
    repo.commit()

    dry = await sync(dry_run=True)
    report = await sync()

    assert dry.plan is not None and report.plan is not None
    assert [(a.verb, a.reason) for a in dry.plan.changes] == [("update", "owner changed")]
    assert [a.verb for a in report.plan.changes] == ["update"]
    assert (await owners())["a"] == "alice"
    row = await Workflow.select(Workflow.version).where(Workflow.name == "a").first()
    assert row is not None and row["version"] == 1


async def test_owner_changed_behind_the_syncs_back_is_corrected(
    repo: GitRepo, sync: Syncer, acme: dict[str, Any]
) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a", owner="bob"))
    repo.commit()
    await sync()
    alice = await AppUser.select(AppUser.id).where(AppUser.handle == "alice").first()
    assert alice is not None
    await Workflow.update({Workflow.owner: alice["id"]}).where(Workflow.name == "a")

    report = await sync()

    assert report.plan is not None
    assert [(a.verb, a.changes) for a in report.plan.changes] == [("update", ("owner",))]
    assert (await owners())["a"] == "bob"


async def test_unknown_owner_is_a_file_error_while_the_rest_syncs(
    repo: GitRepo, sync: Syncer
) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a", owner="bob"))
    repo.commit()
    await sync()
    repo.write("workflows.d/a.yaml", workflow_yaml("a", owner="zed", value="changed"))
    repo.write("workflows.d/b.yaml", workflow_yaml("b", owner="zed"))
    repo.write("workflows.d/c.yaml", workflow_yaml("c", owner="alice"))
    repo.commit()

    report = await sync()

    errors = {(e.file, e.field) for e in report.errors}
    assert errors == {("workflows.d/a.yaml", "metadata.owner"),
                      ("workflows.d/b.yaml", "metadata.owner")}
    assert all("zed is not a member" in e.message for e in report.errors)
    assert await owners() == {"a": "bob", "c": "alice"}  # a keeps its last good state
    a = await Workflow.select(Workflow.version, Workflow.sync_status).where(
        Workflow.name == "a").first()
    assert a is not None and (a["version"], a["sync_status"]) == (1, "error")


async def test_export_writes_the_owner(repo: GitRepo, sync: Syncer, tmp_path: Path) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a", owner="bob"))
    repo.commit()
    await sync()

    await export_workflows("acme", tmp_path / "out")

    text = (tmp_path / "out" / "a.yaml").read_text()
    assert "owner: bob" in text
    repo.write("workflows.d/a.yaml", text)
    repo.commit()
    report = await sync()
    assert report.plan is not None and report.plan.changes == []
