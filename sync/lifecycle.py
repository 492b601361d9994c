"""spec.state transitions through the same domain functions as the API's mutations.

`domain.deployments` (deploy_workflow / undeploy_workflow / pause_workflow) belongs to the
deploy area; until it is there, a transition only moves the workflow's status (with history
and event) through `set_workflow_status`, which is what a deploy records as well.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

from domain.access import Actor
from domain.workflow_removal import archive_workflow
from domain.workflows import set_workflow_status

Transition = Callable[[Actor, int], Awaitable[Any]]


def _deployments() -> ModuleType | None:
    try:
        return importlib.import_module("domain.deployments")
    except ModuleNotFoundError as exc:
        if exc.name != "domain.deployments":
            raise
        return None


def _function(name: str) -> Transition | None:
    module = _deployments()
    found: Transition | None = getattr(module, name, None) if module is not None else None
    return found


async def transition(actor: Actor, workflow_id: int, current: str, target: str) -> None:
    """Move a workflow from status `current` to `target` (draft, active, paused, archived)."""
    reason = f"git: spec.state is {target}"
    if target == "archived":
        await archive_workflow(actor, workflow_id)
        return
    if target == "active":
        deploy = _function("deploy_workflow")
        if deploy is not None:
            await deploy(actor, workflow_id)
            return
    elif current == "active":
        undeploy = _function("pause_workflow" if target == "paused" else "undeploy_workflow")
        if undeploy is not None:
            await undeploy(actor, workflow_id)
            if target == "paused":
                return
    await set_workflow_status(actor, workflow_id, target, reason)
