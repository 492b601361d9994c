"""Saving many workflows at once: the rows a batch writes are those of one create at a time;
an item that fails is rolled back alone; a name taken meanwhile is that item's NameTaken."""

from __future__ import annotations

import json
from typing import Any

import pytest

from db.tables import Event, Workflow, WorkflowRevision, WorkflowShare, WorkflowStatusHistory
from domain import workflow_batch
from domain._sql import fetch
from domain.access import Actor
from domain.errors import DomainError, Forbidden, InvalidInput
from domain.rows import WorkflowRow
from domain.workflow_batch import NewWorkflow, create_workflows, save_each
from domain.workflows import GitSource, create_workflow, set_workflow_status
from tests.domain.test_workflows import definition
from tests.factory import Factory

# Columns that differ between two workflows created alike.
_OWN = {"id", "name", "created_at", "updated_at", "source_path"}


async def _setup(factory: Factory) -> tuple[Actor, dict[str, int]]:
    org, other = await factory.org(), await factory.org()
    users = {}
    for handle, role in (("admin", "admin"), ("alice", "member"), ("bob", "member")):
        users[handle] = int((await factory.user(org=org, role=role))["id"])
    users["stranger"] = int((await factory.user(org=other))["id"])
    return Actor(users["admin"], int(org["id"]), "admin", is_service=True), users


def _item(name: str, users: dict[str, int], **fields: Any) -> NewWorkflow:
    values: dict[str, Any] = {
        "definition": definition(trigger={"type": "schedule", "cron": "0 6 * * *"},
                                 deployment={"cpu": 0.5}),
        "is_public": True, "shared_with": (users["bob"],), "owner_id": users["alice"],
        "source": GitSource(f"workflows.d/{name}.yaml", "c0ffee", "hash-of-" + name),
    }
    values.update(fields)
    return NewWorkflow(name, **values)


async def _written(workflow_id: int) -> dict[str, Any]:
    """Everything a create writes for one workflow, without what names it."""
    row = await Workflow.select().where(Workflow.id == workflow_id).first()
    assert row is not None
    revisions = await WorkflowRevision.select(
        WorkflowRevision.version, WorkflowRevision.definition, WorkflowRevision.author,
        WorkflowRevision.source, WorkflowRevision.source_commit,
    ).where(WorkflowRevision.workflow == workflow_id)
    history = await WorkflowStatusHistory.select(
        WorkflowStatusHistory.from_status, WorkflowStatusHistory.to_status,
        WorkflowStatusHistory.reason, WorkflowStatusHistory.actor,
    ).where(WorkflowStatusHistory.workflow == workflow_id)
    shares = await WorkflowShare.select(WorkflowShare.user).where(
        WorkflowShare.workflow == workflow_id)
    events = await Event.select(Event.stream, Event.seq, Event.kind, Event.payload).where(
        Event.workflow == workflow_id)
    for revision in revisions:
        revision["definition"] = json.loads(revision["definition"])
    for event in events:
        event["stream"] = event["stream"].replace(str(workflow_id), "<id>")
        event["payload"] = json.loads(event["payload"]) | {"workflowId": "<id>"}
    columns = {k: v for k, v in row.items() if k not in _OWN}
    return {"row": columns, "revisions": revisions, "history": history, "shares": shares,
            "events": events}


async def test_a_batch_writes_what_one_create_at_a_time_writes(factory: Factory) -> None:
    actor, users = await _setup(factory)
    single = _item("single", users, source=GitSource("workflows.d/x.yaml", "c0ffee", "h"))
    alone = await create_workflow(actor, single.name, single.definition,
                                  is_public=single.is_public, shared_with=single.shared_with,
                                  source=single.source, owner_id=single.owner_id)

    [batched] = await create_workflows(actor, [_item("batched", users, source=single.source)])

    assert not isinstance(batched, DomainError)
    assert batched.name == "batched" and batched.version == 1
    assert await _written(batched.id) == await _written(alone.id)
    # What the API creates (no git source) matches too.
    api = _item("api", users, source=None)
    [through_batch] = await create_workflows(actor, [api])
    one = await create_workflow(actor, "api-one", api.definition, is_public=True,
                                shared_with=api.shared_with, owner_id=api.owner_id)
    assert not isinstance(through_batch, DomainError)
    assert await _written(through_batch.id) == await _written(one.id)


async def test_the_rows_returned_are_the_rows_stored(factory: Factory) -> None:
    """Their JSON columns are the values written, not decoded back: the same as stored."""
    actor, users = await _setup(factory)
    items = [_item("plain", users), _item("no-deployment", users, definition=definition()),
             _item("numbers", users, definition=definition(deployment={"cpu": 1e-3}))]

    results = await create_workflows(actor, items)

    for result in results:
        assert not isinstance(result, DomainError)
        stored = await fetch("SELECT * FROM workflow WHERE id = $1", result.id)
        assert result == WorkflowRow.from_record(stored[0])


async def test_an_item_that_fails_fails_alone(factory: Factory) -> None:
    actor, users = await _setup(factory)
    await create_workflow(actor, "taken", definition())
    items = [
        _item("good-1", users),
        _item("Not_A_Name", users),
        _item("outsider-owner", users, owner_id=users["stranger"]),
        _item("outsider-share", users, shared_with=(users["bob"], users["stranger"])),
        _item("taken", users),
        _item("good-2", users),
        _item("good-2", users),
    ]

    results = await create_workflows(actor, items)

    kinds = [type(result).__name__ if isinstance(result, DomainError) else "row"
             for result in results]
    assert kinds == ["row", "InvalidInput", "InvalidInput", "InvalidInput", "NameTaken", "row",
                     "NameTaken"]
    assert "not a member" in str(results[2]) and "not a member" in str(results[3])
    names = {row["name"] for row in await Workflow.select(Workflow.name)}
    assert names == {"taken", "good-1", "good-2"}
    for result in results:
        if not isinstance(result, DomainError):
            written = await _written(result.id)
            assert [e["kind"] for e in written["events"]] == ["workflow"]
            assert len(written["revisions"]) == len(written["history"]) == 1


async def test_a_member_may_not_give_a_workflow_away(factory: Factory) -> None:
    admin, users = await _setup(factory)
    member = Actor(users["bob"], admin.organization_id, "member")

    [result] = await create_workflows(member, [_item("given", users, shared_with=())])

    assert isinstance(result, Forbidden)


async def test_many_chunks_each_in_its_own_transaction(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor, users = await _setup(factory)
    monkeypatch.setattr(workflow_batch, "CREATE_CHUNK", 4)
    count = 4 * 2 + 3
    items = [_item(f"wf-{n:03}", users) for n in range(count)]

    results = await create_workflows(actor, items)

    assert not any(isinstance(result, DomainError) for result in results)
    assert [r.name for r in results if not isinstance(r, DomainError)] == [
        i.name for i in items]
    assert await Workflow.count() == await WorkflowRevision.count() == count
    # One transaction id per chunk (xmin of the rows it inserted).
    rows = await fetch("SELECT count(DISTINCT xmin::text) AS n FROM workflow")
    assert rows[0]["n"] == 3


async def test_save_each_rolls_back_only_the_item_that_failed(factory: Factory) -> None:
    actor, _ = await _setup(factory)
    made = [await create_workflow(actor, f"w{n}", definition()) for n in range(3)]

    async def archive_then_fail_the_second(row: WorkflowRow) -> str:
        await set_workflow_status(actor, row.id, "archived")
        if row.name == "w1":
            raise InvalidInput("w1 is refused after it changed", [])
        return row.name

    results = await save_each(made, archive_then_fail_the_second,
                              lock=lambda chunk: [r.id for r in chunk])

    assert [str(r) if isinstance(r, DomainError) else r for r in results] == [
        "w0", "w1 is refused after it changed", "w2"]
    statuses = {r["name"]: r["status"] for r in await Workflow.select(Workflow.name,
                                                                      Workflow.status)}
    assert statuses == {"w0": "archived", "w1": "draft", "w2": "archived"}
    archived = await WorkflowStatusHistory.count().where(
        WorkflowStatusHistory.to_status == "archived")
    assert archived == 2

