"""Archiving and deleting a workflow: both tear its infrastructure down first (through
`domain.deployments`), then change the row. They live apart from `domain.workflows` because
deploying saves definitions through that module: this one sits above both, so no import goes
in a circle.
"""

from __future__ import annotations

from db.engine import engine
from domain._sql import fetch
from domain._workflow_rules import administrable, writable
from domain.access import Actor
from domain.deployments import undeploy_before_delete
from domain.events import NewEvent, append
from domain.rows import WorkflowRow
from domain.workflows import set_workflow_status

__all__ = ["archive_workflow", "delete_workflow"]


async def archive_workflow(actor: Actor, workflow_id: int) -> WorkflowRow:
    async with engine().transaction():
        await writable(actor, workflow_id)
    await undeploy_before_delete(actor, workflow_id)
    return await set_workflow_status(actor, workflow_id, "archived", "archived")


async def delete_workflow(actor: Actor, workflow_id: int) -> WorkflowRow:
    """Remove a workflow with everything that hangs off it (FK cascades); returns the row."""
    async with engine().transaction():
        await administrable(actor, workflow_id, "delete")
    await undeploy_before_delete(actor, workflow_id)
    async with engine().transaction():
        row = await administrable(actor, workflow_id, "delete")
        # Unlinked from the row, so the last event of its stream outlives the cascade.
        await append("workflow", workflow_id,
                     [NewEvent("workflow", {"workflowId": workflow_id, "deleted": True})],
                     linked=False)
        await fetch("DELETE FROM workflow WHERE id = $1", workflow_id)
    return row
