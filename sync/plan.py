"""The plan: what a sync would do, as data. `plan(desired, live, options)` is pure.

Verbs follow flux / gitops-engine: create, update, unchanged, deploy, undeploy, archive (the
lifecycle verbs come from `spec.state`), prune (the file disappeared), conflict (a same-named
object created through the API is never taken over) and skip (its file is invalid, or prune
is off). Every action carries a reason a person can read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from domain.spec.errors import SpecError
from sync._plan_resources import plan_resources
from sync._plan_workflows import plan_workflows
from sync.actions import Action, PruneMode
from sync.desired import DesiredState
from sync.live import LiveState


@dataclass(frozen=True)
class PlanOptions:
    prune: PruneMode = "archive"
    allow_empty: bool = False


@dataclass(frozen=True)
class Plan:
    commit: str
    actions: tuple[Action, ...] = ()
    # Documents that are valid YAML but cannot be applied (an unknown user in sharedWith ...).
    errors: tuple[SpecError, ...] = ()
    refused: str | None = None

    @property
    def changes(self) -> list[Action]:
        """What apply carries out (nothing when the plan was refused)."""
        return [] if self.refused else [a for a in self.actions if a.changing]

    def counts(self) -> dict[str, int]:
        return dict(Counter(action.verb for action in self.actions))


def plan(desired: DesiredState, live: LiveState, options: PlanOptions) -> Plan:
    """Every action that brings `live` to `desired`, resources before workflows, prunes last."""
    workflow_actions, errors = plan_workflows(desired, live, options.prune)
    resource_actions = plan_resources(desired, live, options.prune)
    ordered = sorted([*resource_actions, *workflow_actions], key=_order)
    return Plan(desired.commit, tuple(ordered), tuple(errors), _refusal(ordered, live, options))


def _order(action: Action) -> tuple[int, int]:
    """Resources first (workflows use them); prunes last, workflows before resources."""
    is_workflow = action.kind == "Workflow"
    if action.verb == "prune":
        return (1, 0 if is_workflow else 1)
    return (0, 1 if is_workflow else 0)


def _refusal(actions: list[Action], live: LiveState, options: PlanOptions) -> str | None:
    """A commit that would prune every managed workflow is refused unless allowed."""
    if options.allow_empty or options.prune == "off":
        return None
    pruned = {a.name for a in actions if a.verb == "prune" and a.kind == "Workflow"}
    managed = {name for name, wf in live.workflows.items()
               if wf.managed and (options.prune == "delete" or wf.row.status != "archived")}
    if pruned and pruned == managed:
        return (f"this commit would prune every managed workflow ({len(pruned)}); "
                "pass --allow-empty if that is intended")
    return None
