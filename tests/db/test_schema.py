"""The migrations and the Piccolo tables describe the same schema."""

from __future__ import annotations

from typing import Any

import pytest
from piccolo.querystring import QueryString

from db.engine import engine
from db.tables import TABLES, Execution, Organization, Workflow, WorkflowRevision
from tests.factory import Factory


async def _columns(table: str) -> set[str]:
    rows = await engine().run_querystring(
        QueryString(
            "SELECT column_name FROM information_schema.columns WHERE table_name = {}", table
        )
    )
    return {row["column_name"] for row in rows}


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t._meta.tablename)
async def test_migrated_columns_match_table_definition(db: str, table: Any) -> None:
    declared = {column._meta.db_column_name for column in table._meta.columns}
    assert await _columns(table._meta.tablename) == declared


async def test_workflow_name_is_unique_per_organization(factory: Factory) -> None:
    acme, other = await factory.org("acme"), await factory.org("other")
    alice = await factory.user("alice", acme)
    await factory.workflow(acme, alice, name="report")
    await factory.workflow(other, alice, name="report")
    with pytest.raises(Exception, match="workflow_name_unique"):
        await factory.workflow(acme, alice, name="report")


async def test_unknown_workflow_status_is_rejected(factory: Factory) -> None:
    acme = await factory.org("acme")
    alice = await factory.user("alice", acme)
    with pytest.raises(Exception, match="workflow_status"):
        await factory.workflow(acme, alice, status="running")


async def test_deleting_a_workflow_cascades_to_its_rows(factory: Factory) -> None:
    acme = await factory.org("acme")
    alice = await factory.user("alice", acme)
    wf = await factory.workflow(acme, alice)
    await WorkflowRevision(workflow=wf["id"], version=1, definition={}).save()
    await Execution(
        organization=acme["id"], workflow=wf["id"], workflow_version=1, definition={}
    ).save()
    await Workflow.delete().where(Workflow.id == wf["id"])
    assert await WorkflowRevision.count() == 0
    assert await Execution.count() == 0
    assert await Organization.count() == 1
