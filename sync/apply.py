"""Apply a plan through the domain services (the same doors as the API), action by action.

An action that fails with an expected domain error is recorded and the rest go on; a later
action on the same object is skipped. Each action is safe to repeat: a run killed half-way
leaves rows that the next plan sees and completes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from db.engine import engine
from domain.access import Actor
from domain.errors import DomainError
from domain.redeploys import redeploy_changed
from domain.resources import create_resource, delete_resource, update_resource
from domain.sync_runs import mark_git_managed
from domain.workflow_removal import delete_workflow
from domain.workflows import (
    GitSource,
    create_workflow,
    share_workflow,
    unshare_workflow,
    update_workflow,
)
from sync.actions import Action
from sync.desired import DesiredState, DesiredWorkflow
from sync.lifecycle import transition
from sync.live import LiveState
from sync.plan import Plan
from sync.resource_fields import RESOURCE_KINDS, resource_spec


@dataclass(frozen=True)
class ActionResult:
    action: Action
    status: Literal["ok", "failed", "skipped"]
    error: str | None = None
    object_id: int | None = None


@dataclass
class _Context:
    actor: Actor
    desired: DesiredState
    live: LiveState
    ids: dict[tuple[str, str], int]  # (kind, name) -> row id, including rows created now


async def apply(
    plan: Plan, desired: DesiredState, live: LiveState, actor: Actor
) -> list[ActionResult]:
    """Carry out `plan.changes` in order; one result per change."""
    ids = {("Workflow", n): w.id for n, w in live.workflows.items()}
    ids.update({key: int(row["id"]) for key, row in live.resources.items()})
    context = _Context(actor, desired, live, ids)
    failed: set[tuple[str, str]] = set()
    results: list[ActionResult] = []
    for action in plan.changes:
        key = (action.kind, action.name)
        if key in failed:
            results.append(ActionResult(action, "skipped", "an earlier action on it failed"))
            continue
        try:
            await _apply_one(context, action)
        except DomainError as exc:
            failed.add(key)
            results.append(ActionResult(action, "failed", str(exc), context.ids.get(key)))
        else:
            results.append(ActionResult(action, "ok", None, context.ids.get(key)))
    return results + await _redeploy(context)


async def _redeploy(context: _Context) -> list[ActionResult]:
    """Saved deployment settings or resources may have changed what deployments render: a
    result per git-managed workflow redeployed (or not, and why). Level-based: a redeploy
    that failed is tried again by the next run, even of the same commit. API workflows using
    a changed resource are redeployed too; their failures are only logged."""
    names = {wid: name for (kind, name), wid in context.ids.items() if kind == "Workflow"}
    results = []
    for done in await redeploy_changed(context.actor.organization_id):
        name = names.get(done.workflow_id)
        if name is None:
            continue
        desired = context.desired.workflows.get(name)
        action = Action("deploy", "Workflow", name, "what its deployment renders changed",
                        path=desired.path if desired else None, object_id=done.workflow_id,
                        target="active")
        status: Literal["ok", "failed"] = "failed" if done.error else "ok"
        results.append(ActionResult(action, status, done.error, done.workflow_id))
    return results


async def _apply_one(context: _Context, action: Action) -> None:
    if action.kind == "Workflow":
        await _apply_workflow(context, action)
    else:
        await _apply_resource(context, action)


async def _apply_workflow(context: _Context, action: Action) -> None:
    actor, key = context.actor, ("Workflow", action.name)
    if action.verb == "create":
        workflow = context.desired.workflows[action.name]
        row = await create_workflow(
            actor, workflow.name, workflow.definition, is_public=workflow.document.metadata.public,
            shared_with=_member_ids(context, workflow), source=_source(context, workflow),
            owner_id=_owner_id(context, workflow),
        )
        context.ids[key] = int(row["id"])
    elif action.verb == "update":
        await _update_workflow(context, action, context.desired.workflows[action.name])
    elif action.verb == "prune" and action.target == "delete":
        await delete_workflow(actor, context.ids[key])
    else:  # deploy, undeploy, archive, prune (archive)
        current = context.live.workflows.get(action.name)
        status = "draft" if current is None else str(current.row["status"])
        target = action.target if action.verb != "prune" else "archived"
        assert target is not None  # lifecycle actions always name their target
        await transition(actor, context.ids[key], status, target)


async def _update_workflow(context: _Context, action: Action, workflow: DesiredWorkflow) -> None:
    actor, workflow_id = context.actor, context.ids[("Workflow", action.name)]
    await update_workflow(
        actor, workflow_id, definition=workflow.definition,
        is_public=workflow.document.metadata.public, source=_source(context, workflow),
        owner_id=_owner_id(context, workflow),
    )
    if "sharedWith" not in action.changes:
        return
    wanted = set(_member_ids(context, workflow))
    current = {context.live.members[h] for h in context.live.workflows[action.name].shared_with
               if h in context.live.members}
    for user_id in sorted(wanted - current):
        await share_workflow(actor, workflow_id, user_id)
    for user_id in sorted(current - wanted):
        await unshare_workflow(actor, workflow_id, user_id)


def _source(context: _Context, workflow: DesiredWorkflow) -> GitSource:
    return GitSource(workflow.path, context.desired.commit, workflow.content_hash)


def _owner_id(context: _Context, workflow: DesiredWorkflow) -> int | None:
    """The member metadata.owner names (the planner checked it), None when it names nobody."""
    owner = workflow.document.metadata.owner
    return None if owner is None else context.live.members[owner]


def _member_ids(context: _Context, workflow: DesiredWorkflow) -> list[int]:
    return [context.live.members[h] for h in workflow.document.metadata.shared_with]


async def _apply_resource(context: _Context, action: Action) -> None:
    kind, key = RESOURCE_KINDS[action.kind], (action.kind, action.name)
    if action.verb == "prune":
        await delete_resource(context.actor, kind, context.ids[key])
        return
    loaded = context.desired.resources[key].loaded
    # One transaction: a resource never exists without its git marking (a kill in between
    # would otherwise turn it into a conflict with "itself").
    async with engine().transaction():
        if action.verb == "create":
            row = await create_resource(context.actor, kind, action.name, resource_spec(loaded))
            context.ids[key] = int(row["id"])
        else:
            await update_resource(context.actor, kind, context.ids[key], action.name,
                                  resource_spec(loaded))
        await mark_git_managed(kind.table, context.ids[key], loaded.path)
