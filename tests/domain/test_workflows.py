"""Workflow lifecycle services: versions and revisions, status history, access, git-managed
workflows, delete cascade."""

from __future__ import annotations

from typing import Any

import pytest

from db.tables import (
    Event,
    Execution,
    ExecutionLog,
    ExecutionSpan,
    ExecutionSummary,
    Organization,
    WorkflowRevision,
    WorkflowShare,
    WorkflowStatusHistory,
)
from domain.access import Actor
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.spec.definition import WorkflowDefinition, validate_definition
from domain.workflow_removal import archive_workflow, delete_workflow
from domain.workflows import (
    GitSource,
    VersionConflict,
    create_workflow,
    get_workflow,
    set_workflow_status,
    update_workflow,
)
from tests.factory import Factory


def definition(**overrides: Any) -> WorkflowDefinition:
    data: dict[str, Any] = {
        "description": "greets",
        "tags": ["demo"],
        "nodes": [{"id": "hello", "type": "transform", "params": {"value": "hi"}}],
    }
    data.update(overrides)
    parsed, errors = validate_definition(data)
    assert parsed is not None, errors
    return parsed


async def actors(factory: Factory) -> dict[str, Actor]:
    """owner, shared, other (member), admin of one organization; stranger of another."""
    org, other_org = await factory.org(), await factory.org()
    found: dict[str, Actor] = {}
    for name, role in (("owner", "member"), ("shared", "member"), ("other", "member"),
                       ("admin", "admin")):
        user = await factory.user(org=org, role=role)
        found[name] = Actor(user["id"], org["id"], "admin" if role == "admin" else "member")
    stranger = await factory.user(org=other_org)
    found["stranger"] = Actor(stranger["id"], other_org["id"], "member")
    return found


async def test_create_starts_a_draft_at_version_1_with_revision_history_and_event(
    factory: Factory,
) -> None:
    a = await actors(factory)
    row = await create_workflow(
        a["owner"], "greeter", definition(), shared_with=[a["shared"].user_id]
    )
    assert (row.status, row.version, row.owner) == ("draft", 1, a["owner"].user_id)
    assert row.nodes[0]["id"] == "hello" and row.tags == ["demo"]
    revisions = await WorkflowRevision.select().where(WorkflowRevision.workflow == row.id)
    assert [r["version"] for r in revisions] == [1]
    history = await WorkflowStatusHistory.select().where(
        WorkflowStatusHistory.workflow == row.id
    )
    assert [(h["from_status"], h["to_status"]) for h in history] == [(None, "draft")]
    assert await Event.count().where(Event.stream == f"workflow:{row.id}") == 1
    shares = await WorkflowShare.select(WorkflowShare.user)
    assert shares == [{"user": a["shared"].user_id}]


async def test_create_refuses_bad_names_duplicates_and_sharing_outside_the_org(
    factory: Factory,
) -> None:
    a = await actors(factory)
    with pytest.raises(InvalidInput) as bad_name:
        await create_workflow(a["owner"], "Not A Label", definition())
    assert [e.field for e in bad_name.value.errors] == ["name"]  # type: ignore[attr-defined]
    await create_workflow(a["owner"], "greeter", definition())
    with pytest.raises(Conflict, match="already exists"):
        await create_workflow(a["other"], "greeter", definition())
    with pytest.raises(InvalidInput, match="not a member"):
        await create_workflow(
            a["owner"], "shared-out", definition(), shared_with=[a["stranger"].user_id]
        )


async def test_version_increments_only_when_the_definition_changes(factory: Factory) -> None:
    a = await actors(factory)
    row = await create_workflow(a["owner"], "greeter", definition())
    same = await update_workflow(a["owner"], row.id, definition=definition())
    assert same.version == 1
    renamed = await update_workflow(a["owner"], row.id, name="greeter-2")
    assert (renamed.name, renamed.version) == ("greeter-2", 1)
    changed = await update_workflow(
        a["owner"], row.id, definition=definition(tags=["x"])
    )
    again = await update_workflow(a["admin"], row.id, definition=definition(tags=["y"]))
    assert (changed.version, again.version, again.tags) == (2, 3, ["y"])
    revisions = await WorkflowRevision.select(
        WorkflowRevision.version, WorkflowRevision.definition
    ).where(WorkflowRevision.workflow == row.id).order_by(WorkflowRevision.version)
    assert [r["version"] for r in revisions] == [1, 2, 3]
    assert '"x"' in revisions[1]["definition"]


async def test_stale_expected_version_is_a_version_conflict(factory: Factory) -> None:
    a = await actors(factory)
    row = await create_workflow(a["owner"], "greeter", definition())
    await update_workflow(a["owner"], row.id, definition=definition(tags=["a"]),
                          expected_version=1)
    with pytest.raises(VersionConflict) as stale:
        await update_workflow(a["owner"], row.id, definition=definition(tags=["b"]),
                              expected_version=1)
    assert (stale.value.expected, stale.value.current) == (1, 2)
    assert (await get_workflow(a["owner"], row.id)).tags == ["a"]


async def test_access_rules_for_reading_writing_and_making_public(factory: Factory) -> None:
    a = await actors(factory)
    row = await create_workflow(
        a["owner"], "greeter", definition(), shared_with=[a["shared"].user_id]
    )
    wid = row.id
    for name in ("other", "stranger"):
        with pytest.raises(NotFound):
            await get_workflow(a[name], wid)
    await update_workflow(a["shared"], wid, definition=definition(tags=["shared-edit"]))
    with pytest.raises(Forbidden, match="isPublic"):
        await update_workflow(a["shared"], wid, is_public=True)
    await update_workflow(a["owner"], wid, is_public=True)
    assert (await get_workflow(a["other"], wid)).is_public is True
    with pytest.raises(Forbidden):
        await update_workflow(a["other"], wid, name="taken-over")
    with pytest.raises(NotFound):
        await update_workflow(a["stranger"], wid, name="taken-over")


async def test_status_changes_write_history_and_events(factory: Factory) -> None:
    a = await actors(factory)
    row = await create_workflow(a["owner"], "greeter", definition())
    await set_workflow_status(a["owner"], row.id, "active", "deployed")
    await set_workflow_status(a["owner"], row.id, "active", "again")  # no change
    archived = await archive_workflow(a["owner"], row.id)
    assert (archived.status, archived.version) == ("archived", 1)
    history = await WorkflowStatusHistory.select(
        WorkflowStatusHistory.from_status, WorkflowStatusHistory.to_status
    ).where(WorkflowStatusHistory.workflow == row.id).order_by(WorkflowStatusHistory.id)
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "draft"), ("draft", "active"), ("active", "archived")
    ]
    events = await Event.select(Event.seq).where(Event.stream == f"workflow:{row.id}")
    assert [e["seq"] for e in events] == [1, 2, 3]
    with pytest.raises(InvalidInput):
        await set_workflow_status(a["owner"], row.id, "sleeping")


async def _execution_with_trace(org_id: int, workflow_id: int) -> None:
    execution = Execution(organization=org_id, workflow=workflow_id, workflow_version=1,
                          definition={"nodes": []})
    await execution.save()
    span = ExecutionSpan(execution=execution.id, node_id="hello")
    await span.save()
    await ExecutionLog(execution=execution.id, span=span.id, message="hi").save()
    await ExecutionSummary(execution=execution.id, organization=org_id, workflow=workflow_id,
                           status="pending", trigger_type="manual").save()


async def test_delete_removes_the_workflow_and_everything_hanging_off_it(
    factory: Factory,
) -> None:
    a = await actors(factory)
    row = await create_workflow(a["owner"], "greeter", definition(),
                                shared_with=[a["shared"].user_id])
    await update_workflow(a["owner"], row.id, definition=definition(tags=["v2"]))
    await _execution_with_trace(a["owner"].organization_id, row.id)
    with pytest.raises(Forbidden):
        await delete_workflow(a["shared"], row.id)
    await delete_workflow(a["admin"], row.id)
    with pytest.raises(NotFound):
        await get_workflow(a["owner"], row.id)
    for table in (WorkflowRevision, WorkflowShare, WorkflowStatusHistory, Execution,
                  ExecutionSpan, ExecutionLog, ExecutionSummary):
        assert await table.count() == 0, table
    assert await Event.count().where(Event.workflow.is_null()) == 1  # the "deleted" event


async def test_git_managed_workflows_refuse_api_edits_unless_overrides_are_allowed(
    factory: Factory,
) -> None:
    a = await actors(factory)
    source = GitSource("workflows.d/greeter.yaml", "abc123", "hash1")
    row = await create_workflow(a["owner"], "greeter", definition(), source=source)
    assert (row.managed_by, row.source_path) == ("git", "workflows.d/greeter.yaml")
    with pytest.raises(Forbidden, match=r"workflows\.d/greeter\.yaml"):
        await update_workflow(a["owner"], row.id, definition=definition(tags=["api"]))
    with pytest.raises(Forbidden, match="managed by git"):
        await delete_workflow(a["admin"], row.id)
    synced = await update_workflow(
        a["owner"], row.id, definition=definition(tags=["git"]),
        source=GitSource("workflows.d/greeter.yaml", "def456", "hash2"),
    )
    assert (synced.version, synced.source_commit) == (2, "def456")
    await Organization.update({Organization.allow_git_overrides: True}).where(
        Organization.id == a["owner"].organization_id
    )
    overridden = await update_workflow(a["owner"], row.id, definition=definition(tags=["api"]))
    assert (overridden.version, overridden.managed_by) == (3, "git")


async def test_admin_creates_a_workflow_owned_by_another_member(factory: Factory) -> None:
    a = await actors(factory)
    row = await create_workflow(a["admin"], "for-owner", definition(),
                                owner_id=a["owner"].user_id)
    assert row.owner == a["owner"].user_id
    await get_workflow(a["owner"], row.id)  # the new owner may read it (it is not public)
    mine = await create_workflow(a["other"], "mine", definition(), owner_id=a["other"].user_id)
    assert mine.owner == a["other"].user_id


async def test_only_admins_create_for_others_and_only_for_members(factory: Factory) -> None:
    a = await actors(factory)
    with pytest.raises(Forbidden, match="admin"):
        await create_workflow(a["other"], "x", definition(), owner_id=a["owner"].user_id)
    with pytest.raises(InvalidInput) as outsider:
        await create_workflow(a["admin"], "x", definition(), owner_id=a["stranger"].user_id)
    assert [getattr(e, "field", None) for e in outsider.value.errors] == ["owner"]


async def test_owner_change_keeps_the_version_and_is_announced(factory: Factory) -> None:
    a = await actors(factory)
    row = await create_workflow(a["owner"], "handed-over", definition(),
                                shared_with=[a["shared"].user_id])
    with pytest.raises(Forbidden, match="owner"):
        await update_workflow(a["shared"], row.id, owner_id=a["shared"].user_id)
    with pytest.raises(InvalidInput):
        await update_workflow(a["owner"], row.id, owner_id=a["stranger"].user_id)
    updated = await update_workflow(a["owner"], row.id, owner_id=a["other"].user_id)
    assert (updated.owner, updated.version) == (a["other"].user_id, 1)
    events = await Event.select(Event.payload).where(Event.workflow == row.id)
    assert any('"ownerId"' in str(e["payload"]) for e in events)
    again = await update_workflow(a["admin"], row.id, owner_id=a["owner"].user_id)
    assert again.owner == a["owner"].user_id
