"""A sync saves its workflows in batches: a file that fails in a batch fails alone, and API
edits racing a sync either land first and are built upon or wait and meet a version conflict.

The races are staged with transactions held open on purpose; the tests wait for PostgreSQL to
show the expected lock waits (polled with a deadline), never for time to pass."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from db.engine import engine
from db.tables import Membership, Organization, SyncFileResult, Workflow, WorkflowRevision
from domain._sql import fetch
from domain.access import Actor
from domain.spec.definition import WorkflowDefinition, validate_definition
from domain.workflows import VersionConflict, create_workflow, update_workflow
from tests.sync.conftest import Syncer
from tests.sync.gitrepo import GitRepo, workflow_yaml

T = TypeVar("T")


def _definition(value: str) -> WorkflowDefinition:
    parsed, errors = validate_definition(
        {"nodes": [{"id": "start", "type": "transform", "params": {"value": value}}]})
    assert parsed is not None, errors
    return parsed


async def _api_actor(acme: dict[str, Any]) -> Actor:
    alice = await Membership.select(Membership.user).where(
        Membership.organization == acme["id"], Membership.role == "admin").first()
    assert alice is not None
    return Actor(int(alice["user"]), int(acme["id"]), "admin")


async def _lock_waiters(count: int, within: float = 30) -> None:
    """Until `count` sessions of this database wait on a lock."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        rows = await fetch("SELECT count(*) AS n FROM pg_stat_activity"
                           " WHERE datname = current_database() AND wait_event_type = 'Lock'")
        if rows[0]["n"] >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{count} lock waiter(s) not seen within {within}s")


def _held(work: Callable[[], Awaitable[T]], done: asyncio.Event,
          release: asyncio.Event) -> asyncio.Task[T]:
    """`work()` in a transaction that commits only once `release` is set."""
    async def run() -> T:
        async with engine().transaction():
            result = await work()
            done.set()
            await release.wait()
        return result
    return asyncio.create_task(run())


async def _rows() -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in await Workflow.select()}


async def test_a_name_taken_through_the_api_during_the_sync_fails_only_its_file(
    repo: GitRepo, sync: Syncer, acme: dict[str, Any]
) -> None:
    for name in ("a", "b", "c"):
        repo.write(f"workflows.d/{name}.yaml", workflow_yaml(name, value="git"))
    repo.commit()
    api = await _api_actor(acme)
    created, release = asyncio.Event(), asyncio.Event()
    api_create = _held(lambda: create_workflow(api, "b", _definition("api")), created, release)
    await created.wait()

    run = asyncio.create_task(sync())
    await _lock_waiters(1)  # the batch's insert waits for the API's uncommitted "b"
    release.set()
    await api_create
    report = await run

    assert report.status == "partial"
    by_name = {r.action.name: r for r in report.results if r.action.verb == "create"}
    assert {n: r.status for n, r in by_name.items()} == {"a": "ok", "b": "failed", "c": "ok"}
    assert "already" in str(by_name["b"].error) or "taken" in str(by_name["b"].error)
    rows = await _rows()
    assert {n: r["managed_by"] for n, r in rows.items()} == {"a": "git", "b": "api", "c": "git"}
    assert json.loads(rows["b"]["nodes"])[0]["params"] == {"value": "api"}
    files = await SyncFileResult.select().where(SyncFileResult.sync_run == report.run_id)
    assert {f["path"]: f["status"] for f in files if f["action"] == "create"} == {
        "workflows.d/a.yaml": "ok", "workflows.d/b.yaml": "failed", "workflows.d/c.yaml": "ok"}

    again = await sync()  # the API's workflow is never taken over

    assert again.plan is not None
    assert [(a.verb, a.name) for a in again.plan.actions if a.verb != "unchanged"] == [
        ("conflict", "b")]


async def test_api_edits_racing_a_sync_are_built_upon_or_meet_a_version_conflict(
    repo: GitRepo, sync: Syncer, acme: dict[str, Any]
) -> None:
    for name in ("a", "b"):
        repo.write(f"workflows.d/{name}.yaml", workflow_yaml(name, value="v1"))
    repo.commit()
    assert (await sync()).status == "succeeded"
    await Organization.update({Organization.allow_git_overrides: True}).where(
        Organization.id == acme["id"])
    rows, api = await _rows(), await _api_actor(acme)
    a, b = int(rows["a"]["id"]), int(rows["b"]["id"])
    assert a < b  # the batch locks in id order: it holds a while it waits for b
    for name in ("a", "b"):
        repo.write(f"workflows.d/{name}.yaml", workflow_yaml(name, value="v2"))
    repo.commit()
    # An API edit of b, committed only after the sync started and reached b.
    edited, release = asyncio.Event(), asyncio.Event()
    edit_b = _held(lambda: update_workflow(api, b, definition=_definition("api"),
                                           expected_version=1), edited, release)
    await edited.wait()

    run = asyncio.create_task(sync())
    await _lock_waiters(1)
    # An API edit of a, made from version 1 while the sync holds a.
    edit_a = asyncio.create_task(update_workflow(api, a, definition=_definition("api"),
                                                 expected_version=1))
    await _lock_waiters(2)
    release.set()
    assert (await edit_b).version == 2
    report = await run

    with pytest.raises(VersionConflict) as conflict:
        await edit_a
    assert (conflict.value.expected, conflict.value.current) == (1, 2)
    assert report.status == "succeeded"
    rows = await _rows()
    assert (rows["a"]["version"], rows["b"]["version"]) == (2, 3)
    assert all(json.loads(rows[n]["nodes"])[0]["params"] == {"value": "v2"} for n in "ab")
    revisions = await WorkflowRevision.select(
        WorkflowRevision.version, WorkflowRevision.source).where(
        WorkflowRevision.workflow == b).order_by(WorkflowRevision.version)
    assert [(r["version"], r["source"]) for r in revisions] == [
        (1, "git"), (2, "api"), (3, "git")]
