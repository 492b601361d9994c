"""Apply a plan through the domain services (the same doors as the API), action by action.

An action that fails with an expected domain error is recorded and the rest go on; a later
action on the same object is skipped. Each action is safe to repeat: a run killed half-way
leaves rows that the next plan sees and completes.

The creates and updates of workflows (the bulk of a cold sync) are saved together when the
first of them is reached, after the resources they may use and before any lifecycle action:
`domain.workflow_batch` writes them in chunks of one transaction each, every file still on
its own (a file that fails is rolled back alone; the others of its chunk commit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from db.engine import engine
from domain.access import Actor
from domain.errors import DomainError
from domain.redeploys import redeploy_changed
from domain.resources import create_resource, delete_resource, update_resource
from domain.sync_runs import mark_git_managed
from domain.workflow_batch import NewWorkflow, create_workflows, save_each
from domain.workflow_removal import delete_workflow
from domain.workflows import (
    GitSource,
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
    ids.update({key: row.id for key, row in live.resources.items()})
    context = _Context(actor, desired, live, ids)
    changes = plan.changes
    saves = {index: action for index, action in enumerate(changes) if _is_save(action)}
    saved: dict[int, ActionResult] = {}
    failed: set[tuple[str, str]] = set()
    results: list[ActionResult] = []
    for index, action in enumerate(changes):
        key = (action.kind, action.name)
        if index in saves and not saved:
            saved = await _save_workflows(context, saves)
        if index in saved:
            result = saved[index]
        elif key in failed:
            result = ActionResult(action, "skipped", "an earlier action on it failed")
        else:
            result = await _result(context, action)
        if result.status == "failed":
            failed.add(key)
        results.append(result)
    return results + await _redeploy(context)


def _is_save(action: Action) -> bool:
    return action.kind == "Workflow" and action.verb in ("create", "update")


async def _result(context: _Context, action: Action) -> ActionResult:
    key = (action.kind, action.name)
    try:
        await _apply_one(context, action)
    except DomainError as exc:
        return ActionResult(action, "failed", str(exc), context.ids.get(key))
    return ActionResult(action, "ok", None, context.ids.get(key))


async def _save_workflows(context: _Context, saves: dict[int, Action]) -> dict[int, ActionResult]:
    """Every workflow create and update of the plan, batched; a result per action index."""
    creates = [(i, a) for i, a in saves.items() if a.verb == "create"]
    updates = [(i, a) for i, a in saves.items() if a.verb == "update"]
    new = [_new_workflow(context, context.desired.workflows[a.name]) for _, a in creates]
    created = await create_workflows(context.actor, new)
    for (_, action), outcome in zip(creates, created, strict=True):
        if not isinstance(outcome, DomainError):
            context.ids[("Workflow", action.name)] = outcome.id

    async def update(action: Action) -> None:
        await _update_workflow(context, action, context.desired.workflows[action.name])

    def rows(chunk: Sequence[Action]) -> list[int]:
        return [context.ids[("Workflow", action.name)] for action in chunk]

    updated = await save_each([a for _, a in updates], update, lock=rows)
    errors = [o if isinstance(o, DomainError) else None for o in (*created, *updated)]
    results = {}
    for (index, action), error in zip([*creates, *updates], errors, strict=True):
        object_id = context.ids.get(("Workflow", action.name))
        results[index] = (ActionResult(action, "ok", None, object_id) if error is None
                          else ActionResult(action, "failed", str(error), object_id))
    return results


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
    if action.verb == "prune" and action.target == "delete":
        await delete_workflow(actor, context.ids[key])
    else:  # deploy, undeploy, archive, prune (archive)
        current = context.live.workflows.get(action.name)
        status = "draft" if current is None else current.row.status
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


def _new_workflow(context: _Context, workflow: DesiredWorkflow) -> NewWorkflow:
    return NewWorkflow(workflow.name, workflow.definition, workflow.document.metadata.public,
                       tuple(_member_ids(context, workflow)), _source(context, workflow),
                       _owner_id(context, workflow))


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
            context.ids[key] = row.id
        else:
            await update_resource(context.actor, kind, context.ids[key], action.name,
                                  resource_spec(loaded))
        await mark_git_managed(kind.table, context.ids[key], loaded.path)
