"""Planning of workflows: definition and metadata drift, spec.state lifecycle, prunes."""

from __future__ import annotations

from domain.spec.errors import SpecError
from sync.actions import Action, PruneMode
from sync.desired import DesiredState, DesiredWorkflow
from sync.live import LiveState, LiveWorkflow

KIND = "Workflow"


def plan_workflows(
    desired: DesiredState, live: LiveState, prune: PruneMode
) -> tuple[list[Action], list[SpecError]]:
    actions: list[Action] = []
    errors: list[SpecError] = []
    for name in sorted(desired.workflows):
        workflow = desired.workflows[name]
        unknown = _unknown_users(workflow, live)
        if unknown:
            errors += unknown
            reason = "; ".join(error.message for error in unknown)
            current = live.workflows.get(name)
            held = current.id if current is not None and current.managed else None
            actions.append(Action("skip", KIND, name, reason, workflow.path, held))
            continue
        actions += _desired_actions(workflow, live.workflows.get(name))
    for name in sorted(set(live.workflows) - set(desired.workflows)):
        current = live.workflows[name]
        if not current.managed:
            continue  # created through the API and not in git: not ours
        if (KIND, name) in desired.held or current.row.source_path in desired.invalid_paths:
            path = current.row.source_path
            actions.append(Action("skip", KIND, name, f"{path} is invalid: the workflow keeps its "
                                  "last good state", path, current.id))
        else:
            actions.append(_orphan(current, prune))
    return actions, errors


def _unknown_users(workflow: DesiredWorkflow, live: LiveState) -> list[SpecError]:
    """metadata.owner and metadata.sharedWith must name members of the organization."""
    meta, errors = workflow.document.metadata, []
    if meta.owner is not None and meta.owner not in live.members:
        errors.append(SpecError(workflow.path, workflow.line, 1, "metadata.owner",
                                f"{meta.owner} is not a member of this organization"))
    unknown = [h for h in meta.shared_with if h not in live.members]
    if unknown:
        errors.append(SpecError(workflow.path, workflow.line, 1, "metadata.sharedWith",
                                f"{', '.join(unknown)} is not a member of this organization"))
    return errors


def _desired_actions(workflow: DesiredWorkflow, current: LiveWorkflow | None) -> list[Action]:
    name, path = workflow.name, workflow.path
    if current is None:
        created = Action("create", KIND, name, f"new in {path}", path)
        return [created, *_lifecycle(workflow, "draft", None)]
    if not current.managed:
        return [Action("conflict", KIND, name, "a workflow with this name was created through "
                       "the API; sync does not take it over", path, current.id)]
    actions = [*_update(workflow, current), *_lifecycle(workflow, current.row.status,
                                                         current.id)]
    return actions or [Action("unchanged", KIND, name, f"in sync with {path}", path, current.id)]


def _update(workflow: DesiredWorkflow, current: LiveWorkflow) -> list[Action]:
    wanted, stored = workflow.definition.to_json(), current.definition()
    definition = [key for key, value in wanted.items() if stored.get(key) != value]
    meta = workflow.document.metadata
    other = [label for label, differs in (
        ("public", meta.public != current.row.is_public),
        ("sharedWith", frozenset(meta.shared_with) != current.shared_with),
        # Without metadata.owner the workflow keeps whoever owns it.
        ("owner", meta.owner is not None and meta.owner != current.owner),
    ) if differs]
    reasons = []
    if definition:
        version = current.row.version
        reasons.append(f"definition changed ({', '.join(definition)}): "
                       f"version {version} -> {version + 1}")
    if other:
        reasons.append(f"{', '.join(other)} changed")
    old_path = current.row.source_path
    if old_path != workflow.path:
        reasons.append(f"moved from {old_path} to {workflow.path}")
        other.append("sourcePath")
    if current.row.status == "archived" and workflow.state != "archived":
        # A file added back (often unchanged): the commit that restored it is its source now.
        reasons.append(f"restored from {workflow.path}")
        other.append("sourceCommit")
    if not reasons:
        return []
    return [Action("update", KIND, workflow.name, "; ".join(reasons), workflow.path, current.id,
                   tuple(definition + other))]


def _lifecycle(workflow: DesiredWorkflow, status: str, object_id: int | None) -> list[Action]:
    """spec.state is lifecycle, not definition: it deploys, undeploys or archives."""
    state, name, path = workflow.state, workflow.name, workflow.path
    if state == status:
        return []
    reason = f"spec.state is {state}, the workflow is {status}"
    if state == "active":
        return [Action("deploy", KIND, name, reason, path, object_id, target="active")]
    if state == "archived":
        return [Action("archive", KIND, name, reason, path, object_id, target="archived")]
    return [Action("undeploy", KIND, name, reason, path, object_id, target=state)]


def _orphan(current: LiveWorkflow, prune: PruneMode) -> Action:
    name, path, status = current.row.name, current.row.source_path, current.row.status
    removed = f"{path} no longer declares it"
    if prune == "off":
        return Action("skip", KIND, name, f"{removed}; --prune off leaves it", path, current.id)
    if prune == "archive" and status == "archived":
        return Action("unchanged", KIND, name, f"{removed}; already archived", path, current.id)
    verb = "archived" if prune == "archive" else "deleted"
    return Action("prune", KIND, name, f"{removed}: undeployed and {verb}", path, current.id,
                  target=prune)
