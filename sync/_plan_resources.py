"""Planning of resources (Environment, DataSource, AddOn, Model): column drift and prunes.

Resources have no lifecycle and no archived state: a pruned resource is deleted (unless prune
is off). A same-named resource created through the API is a conflict, never taken over.
"""

from __future__ import annotations

from sync.actions import Action, PruneMode
from sync.desired import DesiredState
from sync.live import LiveState
from sync.resource_fields import changed_fields, resource_fields


def plan_resources(desired: DesiredState, live: LiveState, prune: PruneMode) -> list[Action]:
    actions: list[Action] = []
    for key in sorted(desired.resources):
        resource, row = desired.resources[key], live.resources.get(key)
        kind, name, path = resource.kind, resource.name, resource.path
        if row is None:
            actions.append(Action("create", kind, name, f"new in {path}", path))
            continue
        object_id = row.id
        if row.managed_by != "git":
            actions.append(Action("conflict", kind, name, f"a {kind} with this name was created "
                                  "through the API; sync does not take it over", path, object_id))
            continue
        changes = changed_fields(resource_fields(resource.loaded), row)
        if row.source_path != path:
            changes.append("sourcePath")
        if changes:
            actions.append(Action("update", kind, name, f"{', '.join(changes)} changed", path,
                                  object_id, tuple(changes)))
        else:
            actions.append(Action("unchanged", kind, name, f"in sync with {path}", path, object_id))
    for key in sorted(set(live.resources) - set(desired.resources)):
        row = live.resources[key]
        if row.managed_by == "git":
            actions.append(_orphan(key, row.source_path, row.id, desired, prune))
    return actions


def _orphan(
    key: tuple[str, str], path: str | None, object_id: int, desired: DesiredState, prune: PruneMode
) -> Action:
    kind, name = key
    if key in desired.held or path in desired.invalid_paths:
        return Action("skip", kind, name, f"{path} is invalid: the {kind} keeps its last good "
                      "state", path, object_id)
    if prune == "off":
        return Action("skip", kind, name, f"{path} no longer declares it; --prune off leaves it",
                      path, object_id)
    return Action("prune", kind, name, f"{path} no longer declares it: deleted", path, object_id,
                  target="delete")
