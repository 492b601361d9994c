"""Independent copies of a workflow: clones, templates and workflows made from templates.

A copy takes the source's definition (nodes, connections, settings, trigger, deployment
settings, description, tags) and starts over: status draft, version 1, the caller as owner,
nobody shared, not public, no deployment metadata, execution count 0, managed by the API.
"""

from __future__ import annotations

from typing import Any

from db.engine import engine
from domain import _workflow_store as store
from domain._sql import fetch
from domain._workflow_rules import check_name
from domain.access import Actor
from domain.rows import WorkflowRow


async def _copy(actor: Actor, source: WorkflowRow, name: str, **fields: Any) -> WorkflowRow:
    return await store.insert_new_workflow(
        actor,
        {"name": name, "content_hash": store.stored_hash(source), **fields},
        store.stored_definition(source),
    )


async def clone_workflow(actor: Actor, workflow_id: int, name: str) -> WorkflowRow:
    """The seed's clone: a deep copy that records its origin in `cloned_from`."""
    check_name(name)
    async with engine().transaction():
        source, _ = await store.readable(actor, workflow_id)
        row = await _copy(actor, source, name, cloned_from=workflow_id)
    return row


async def create_template(
    actor: Actor, workflow_id: int, name: str | None = None
) -> WorkflowRow:
    """A template (isTemplate) made from a readable workflow, `template` pointing at it."""
    if name is not None:
        check_name(name)
    async with engine().transaction():
        source, _ = await store.readable(actor, workflow_id)
        name = name or await _free_name(actor.organization_id, f"{source.name}-template")
        row = await _copy(actor, source, name, is_template=True, template=workflow_id)
    return row


async def create_workflow_from_template(
    actor: Actor, template_id: int, name: str
) -> WorkflowRow:
    """A workflow made from a readable template; it remembers the template in `template`."""
    check_name(name)
    async with engine().transaction():
        template, _ = await store.readable(actor, template_id)
        if not template.is_template:
            raise store.not_found(template_id, "template")
        row = await _copy(actor, template, name, template=template_id)
    return row


async def _free_name(organization_id: int, base: str) -> str:
    """`base` (cut to fit a DNS label), or `base-2`, `base-3`, ... whichever is not taken."""
    base = base[:56].rstrip("-")
    rows = await fetch(
        "SELECT name FROM workflow WHERE organization = $1 AND name LIKE $2",
        organization_id,
        base.replace("_", r"\_").replace("%", r"\%") + "%",
    )
    taken = {row["name"] for row in rows}
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)
