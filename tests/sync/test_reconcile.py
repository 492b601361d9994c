"""Sync against real git repositories: the database after each commit, amend, delete, rename
and branch switch; idempotence; per-file isolation; conflicts; prune modes."""

from __future__ import annotations

import json
from typing import Any

from db.tables import SyncFileResult, SyncRun, Workflow, WorkflowRevision
from tests.factory import Factory
from tests.sync.conftest import Syncer
from tests.sync.gitrepo import GitRepo, workflow_yaml


async def workflows() -> dict[str, dict[str, Any]]:
    rows = await Workflow.select().order_by(Workflow.name)
    for row in rows:
        row["nodes"] = json.loads(row["nodes"])
    return {row["name"]: row for row in rows}


async def test_commit_creates_git_managed_workflows(repo: GitRepo, sync: Syncer) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a", shared=("bob",), public=True))
    repo.write("workflows.d/b.yaml", workflow_yaml("b", state="active"))
    commit = repo.commit()

    report = await sync()

    assert report.status == "succeeded", report
    found = await workflows()
    assert set(found) == {"a", "b"}
    a = found["a"]
    assert (a["managed_by"], a["source_path"], a["source_commit"]) == (
        "git", "workflows.d/a.yaml", commit)
    assert (a["version"], a["status"], a["is_public"], a["sync_status"]) == (1, "draft", True,
                                                                            "synced")
    assert found["b"]["status"] == "active"
    run = await SyncRun.select().where(SyncRun.id == report.run_id).first()
    assert run is not None and run["status"] == "succeeded" and run["commit"] == commit
    assert run["ended_at"] is not None


async def test_same_commit_twice_changes_nothing(repo: GitRepo, sync: Syncer) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a", state="active"))
    repo.commit()
    await sync()
    before = await workflows()

    again = await sync()

    assert again.plan is not None and again.plan.changes == []
    after = await workflows()
    assert after == before
    assert await WorkflowRevision.count() == 1


async def test_definition_change_bumps_version_state_change_does_not(
    repo: GitRepo, sync: Syncer
) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a"))
    repo.commit()
    await sync()
    repo.write("workflows.d/a.yaml", workflow_yaml("a", value="bye"))
    changed = repo.commit()
    await sync()
    a = (await workflows())["a"]
    assert (a["version"], a["source_commit"], a["nodes"][0]["params"]) == (2, changed,
                                                                           {"value": "bye"})

    repo.write("workflows.d/a.yaml", workflow_yaml("a", value="bye", state="active"))
    repo.commit()
    await sync()
    a = (await workflows())["a"]
    assert (a["version"], a["status"]) == (2, "active")

    repo.write("workflows.d/a.yaml", workflow_yaml("a", value="bye", state="paused"))
    repo.commit()
    await sync()
    assert (await workflows())["a"]["status"] == "paused"


async def test_amended_commit_is_synced_from_the_new_tip(repo: GitRepo, sync: Syncer) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a", value="first"))
    repo.commit()
    await sync()
    repo.write("workflows.d/a.yaml", workflow_yaml("a", value="amended"))
    amended = repo.commit("fixed", amend=True)

    await sync()

    a = (await workflows())["a"]
    assert a["nodes"][0]["params"] == {"value": "amended"} and a["source_commit"] == amended


async def test_uncommitted_edits_never_leak(repo: GitRepo, sync: Syncer) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a", value="committed"))
    repo.commit()
    repo.write("workflows.d/a.yaml", workflow_yaml("a", value="dirty"))
    repo.write("workflows.d/b.yaml", workflow_yaml("b"))

    await sync()

    found = await workflows()
    assert list(found) == ["a"] and found["a"]["nodes"][0]["params"] == {"value": "committed"}


async def test_rename_only_moves_the_source_path(repo: GitRepo, sync: Syncer) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a"))
    repo.commit()
    await sync()
    before = (await workflows())["a"]
    repo.rename("workflows.d/a.yaml", "workflows.d/team/renamed.yaml")
    repo.commit()

    await sync()

    after = (await workflows())["a"]
    assert after["id"] == before["id"] and after["version"] == 1
    assert after["source_path"] == "workflows.d/team/renamed.yaml"


async def test_deleted_file_is_archived_by_default(repo: GitRepo, sync: Syncer) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a", state="active"))
    repo.write("workflows.d/b.yaml", workflow_yaml("b"))
    repo.commit()
    await sync()
    repo.remove("workflows.d/a.yaml")
    repo.commit()

    await sync()

    a = (await workflows())["a"]
    assert (a["status"], a["sync_status"]) == ("archived", "pruned")


async def test_a_file_added_back_records_the_commit_that_restored_it(
    repo: GitRepo, sync: Syncer
) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a", state="active"))
    repo.write("workflows.d/b.yaml", workflow_yaml("b"))
    repo.commit()
    await sync()
    repo.remove("workflows.d/a.yaml")
    repo.commit()
    await sync()
    repo.write("workflows.d/a.yaml", workflow_yaml("a", state="active"))  # the same content
    restored = repo.commit("a is back")

    report = await sync()

    a = (await workflows())["a"]
    assert (a["status"], a["source_commit"], a["version"]) == ("active", restored, 1)
    assert report.plan is not None
    assert ("update", ("sourceCommit",)) in [(x.verb, x.changes) for x in report.plan.actions]
    assert (await sync()).plan.changes == []  # type: ignore[union-attr]


async def test_prune_delete_and_prune_off(repo: GitRepo, sync: Syncer) -> None:
    for name in ("a", "b", "c"):
        repo.write(f"workflows.d/{name}.yaml", workflow_yaml(name))
    repo.commit()
    await sync()
    repo.remove("workflows.d/a.yaml").remove("workflows.d/b.yaml")
    repo.commit()

    await sync(prune="off")
    assert {n: w["status"] for n, w in (await workflows()).items()} == {
        "a": "draft", "b": "draft", "c": "draft"}
    assert (await workflows())["a"]["sync_status"] == "orphaned"

    await sync(prune="delete")
    assert list(await workflows()) == ["c"]


async def test_removing_every_file_is_refused_unless_allowed(repo: GitRepo, sync: Syncer) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a"))
    repo.commit()
    await sync()
    repo.remove("workflows.d/a.yaml")
    repo.commit()

    refused = await sync()
    assert refused.status == "refused"
    assert (await workflows())["a"]["status"] == "draft"

    allowed = await sync(allow_empty=True)
    assert allowed.status == "succeeded"
    assert (await workflows())["a"]["status"] == "archived"


async def test_switching_branch_syncs_the_other_branch(repo: GitRepo, sync: Syncer) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a"))
    repo.commit()
    repo.switch("release", create=True)
    repo.write("workflows.d/a.yaml", workflow_yaml("a", value="release"))
    repo.commit()
    repo.switch("main")

    await sync(branch="main")
    assert (await workflows())["a"]["nodes"][0]["params"] == {"value": "hello"}
    await sync(branch="release")
    a = (await workflows())["a"]
    assert (a["nodes"][0]["params"], a["version"]) == ({"value": "release"}, 2)


async def test_without_a_branch_the_checked_out_branch_is_followed(
    repo: GitRepo, sync: Syncer
) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a"))
    repo.commit()
    repo.switch("release", create=True)
    repo.write("workflows.d/a.yaml", workflow_yaml("a", value="release"))
    on_release = repo.commit()

    report = await sync(branch=None)

    a = (await workflows())["a"]
    assert (a["nodes"][0]["params"], a["source_commit"]) == ({"value": "release"}, on_release)
    run = await SyncRun.select().where(SyncRun.id == report.run_id).first()
    assert run is not None and run["branch"] == "release"
    repo.switch("main")
    await sync(branch=None)
    assert (await workflows())["a"]["nodes"][0]["params"] == {"value": "hello"}


async def test_api_workflow_with_the_same_name_is_a_conflict(
    repo: GitRepo, sync: Syncer, acme: dict[str, Any], factory: Factory
) -> None:
    owner = await factory.user(org=acme)
    await factory.workflow(acme, owner, name="a")
    repo.write("workflows.d/a.yaml", workflow_yaml("a", value="from-git"))
    repo.commit()

    report = await sync()

    a = (await workflows())["a"]
    assert (a["managed_by"], a["sync_status"]) == ("api", "conflict")
    assert a["nodes"][0]["params"] == {"value": "hello"}
    assert report.plan is not None and [x.verb for x in report.plan.actions] == ["conflict"]


async def test_drift_behind_the_syncs_back_is_corrected(repo: GitRepo, sync: Syncer) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a"))
    repo.commit()
    await sync()
    a = (await workflows())["a"]
    await Workflow.update({Workflow.nodes: [], Workflow.status: "active"}).where(
        Workflow.id == a["id"])

    report = await sync()

    assert report.plan is not None
    assert sorted(x.verb for x in report.plan.changes) == ["undeploy", "update"]
    a = (await workflows())["a"]
    assert (a["status"], a["nodes"][0]["id"], a["version"]) == ("draft", "start", 2)


async def test_invalid_files_are_reported_while_the_rest_syncs(
    repo: GitRepo, sync: Syncer
) -> None:
    repo.write("workflows.d/good.yaml", workflow_yaml("good"))
    repo.write("workflows.d/held.yaml", workflow_yaml("held"))
    repo.commit()
    await sync()
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n"
        for i in range(8))
    cycle = workflow_yaml("cyclic") + "  connections:\n    - {from: start, to: start}\n"
    repo.write("workflows.d/held.yaml", "apiVersion: flowplane/v1\nkind: Workflow\nmetadata: [")
    repo.write("workflows.d/dup.yaml", "a: 1\na: 2\n")
    repo.write("workflows.d/bomb.yaml", bomb)
    repo.write("workflows.d/cycle.yaml", cycle)
    repo.write("workflows.d/good.yaml", workflow_yaml("good", value="v2"))
    repo.commit()

    report = await sync()

    by_file = {e.file: e for e in report.errors}
    assert set(by_file) == {"workflows.d/held.yaml", "workflows.d/dup.yaml",
                            "workflows.d/bomb.yaml", "workflows.d/cycle.yaml"}
    assert "invalid YAML" in by_file["workflows.d/held.yaml"].message
    assert "duplicate key" in by_file["workflows.d/dup.yaml"].message
    assert by_file["workflows.d/dup.yaml"].line == 2
    assert "alias" in by_file["workflows.d/bomb.yaml"].message
    assert "cycle" in by_file["workflows.d/cycle.yaml"].message
    assert all(e.line is not None and e.column is not None for e in report.errors)
    found = await workflows()
    assert found["good"]["version"] == 2 and "cyclic" not in found
    held = found["held"]
    assert (held["status"], held["version"], held["sync_status"]) == ("draft", 1, "error")
    assert "workflows.d/held.yaml:" in held["sync_error"]
    assert report.status == "invalid"
    rows = await SyncFileResult.select().where(SyncFileResult.sync_run == report.run_id)
    assert {r["path"] for r in rows if r["action"] == "invalid"} == set(by_file)


async def test_document_naming_another_organization_is_an_error(
    repo: GitRepo, sync: Syncer
) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a", org="globex"))
    repo.write("workflows.d/b.yaml", workflow_yaml("b"))
    repo.commit()

    report = await sync()

    assert list(await workflows()) == ["b"]
    (error,) = report.errors
    assert error.field == "metadata.organization" and error.line == 1
