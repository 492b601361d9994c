"""Redeploys whatever changed what a deployment renders, whichever door the change came through.

`redeploy_changed(organization_id)` plans every deployed workflow of the organization (or the
ones given) again and redeploys each whose plan differs from what it deployed
(`deployment_fingerprint`, `domain._deploy_fingerprint`): its deployment settings were saved
(API or git), a data source, model or add-on its nodes use changed (STRONGLY_SERVICES), its
environment was rebuilt or now names another image. A rotated secret keeps its reference, so
the fingerprint cannot see it: whoever rotates it passes `rotated_secret=<name>`, which also
redeploys every workflow whose services reference that name.

The doors call it once their change has committed: the sync after applying a plan, the API
through `update_workflow` / `update_resource` here, the scheduler after a build finished
(`reconcile_builds_and_redeploy`). Redeploys act as the organization's service principal. A
workflow whose new plan fails (a reference gone, an environment still building) keeps its
running deployment; the failure is logged and returned, and the next call tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from domain import _workflow_store as store
from domain import resources, workflows
from domain._deploy_fingerprint import fingerprint
from domain._deploy_plan import plan_deploy
from domain._sql import fetch, fetch_one
from domain.access import Actor
from domain.deployments import WAITING, DeploymentFailed, deploy_workflow, fail_waiting
from domain.environments import reconcile_builds
from domain.errors import DomainError
from domain.organizations import sync_principal
from domain.provisioners import image_builder
from domain.resources import ResourceKind
from domain.rows import ResourceRow, WorkflowRow
from domain.services import build_services

log = logging.getLogger(__name__)
R = TypeVar("R", bound=ResourceRow)


@dataclass(frozen=True)
class Redeploy:
    """One deployed workflow whose plan changed; `error` says why it was not redeployed."""

    workflow_id: int
    error: str | None = None


async def redeploy_changed(
    organization_id: int,
    *,
    workflow_ids: Collection[int] | None = None,
    rotated_secret: str | None = None,
) -> list[Redeploy]:
    """Redeploy the organization's deployed workflows (or those of `workflow_ids`) whose
    rendered deployment changed; returns one entry per workflow that needed it."""
    rows = await fetch(
        "SELECT id FROM workflow WHERE organization = $1 AND status = 'active'"
        " AND deployment_name IS NOT NULL AND ($2::int[] IS NULL OR id = ANY($2::int[]))"
        " ORDER BY id", organization_id, None if workflow_ids is None else list(workflow_ids))
    actor: Actor | None = None
    done: list[Redeploy] = []
    for found in rows:
        workflow_id = int(found["id"])
        try:
            if not await _changed(workflow_id, rotated_secret):
                continue
            actor = actor or await _service_actor(organization_id)
            await deploy_workflow(actor, workflow_id)
        except DomainError as error:
            log.warning("workflow %s: not redeployed: %s", workflow_id, error)
            done.append(Redeploy(workflow_id, str(error)))
        else:
            done.append(Redeploy(workflow_id))
    return done


async def _changed(workflow_id: int, rotated_secret: str | None) -> bool:
    row = await store.load_row(workflow_id)
    if row is None or row.deployment_name is None:  # gone or undeployed meanwhile
        return False
    plan = await plan_deploy(row, None, image_builder())
    if rotated_secret is not None:
        nodes = plan.definition.to_json()["nodes"]
        services = await build_services(row.organization, nodes, resolve=False)
        if rotated_secret in _secret_names(services):
            return True
    return await fingerprint(plan) != row.deployment_fingerprint


def _secret_names(document: Any) -> set[str]:  # Any: a STRONGLY_SERVICES JSON value
    """Every string inside the `secretRef`s of an unresolved services document."""
    names: set[str] = set()
    if isinstance(document, Mapping):
        for key, value in document.items():
            names |= _strings(value) if key == "secretRef" else _secret_names(value)
    elif isinstance(document, list):
        for item in document:
            names |= _secret_names(item)
    return names


def _strings(value: Any) -> set[str]:  # Any: JSON
    if isinstance(value, str):
        return {value}
    if isinstance(value, Mapping):
        return set().union(*(_strings(item) for item in value.values()))
    return set()


async def _service_actor(organization_id: int) -> Actor:
    org = await fetch_one("SELECT slug FROM organization WHERE id = $1", organization_id)
    assert org is not None  # the workflows found belong to it
    user = await sync_principal(organization_id, str(org["slug"]))
    return Actor(user.id, organization_id, "admin", is_service=True)


async def update_workflow(
    actor: Actor, workflow_id: int, **changes: Any  # Any: domain.workflows.update_workflow's
) -> WorkflowRow:
    """`domain.workflows.update_workflow`, then a redeploy if the save changed what the
    workflow's deployment renders (the API's door; the sync redeploys after its plan)."""
    row = await workflows.update_workflow(actor, workflow_id, **changes)
    if row.deployment_name is None:
        return row
    if await redeploy_changed(actor.organization_id, workflow_ids=[workflow_id]):
        reloaded = await store.load_row(workflow_id)
        return row if reloaded is None else reloaded
    return row


async def update_resource(
    actor: Actor, kind: ResourceKind[R], resource_id: int, name: str, spec: Mapping[str, Any]
) -> R:
    """`domain.resources.update_resource`, then redeploy the deployments it changed."""
    row = await resources.update_resource(actor, kind, resource_id, name, spec)
    await redeploy_changed(actor.organization_id)
    return row


async def reconcile_builds_and_redeploy() -> int:
    """Record finished environment builds; when one finished, redeploy what now renders a
    new image. Deploys waiting for a build that is over go on (every pass: level-based).
    Returns how many builds changed state."""
    changed = await reconcile_builds()
    if changed:
        orgs = await fetch("SELECT DISTINCT organization FROM workflow"
                           " WHERE deployment_name IS NOT NULL ORDER BY organization")
        for org in orgs:
            await redeploy_changed(int(org["organization"]))
    await deploy_waiting()
    return changed


async def deploy_waiting() -> list[Redeploy]:
    """Deploy the workflows waiting for an environment whose build is no longer under way
    (`domain.deployments.WAITING`): a ready build deploys them, a failed one (or an
    environment gone) fails their deployment with the deploy's error."""
    rows = await fetch(
        "SELECT w.id, w.organization FROM workflow w LEFT JOIN environment e"
        " ON e.organization = w.organization AND e.name = w.deployment_environment_id"
        " WHERE w.status = 'active' AND w.deployment_name IS NULL"
        " AND w.deployment_reason = $1 AND e.build_status IS DISTINCT FROM 'building'"
        " ORDER BY w.id", WAITING)
    actors: dict[int, Actor] = {}
    done: list[Redeploy] = []
    for found in rows:
        workflow_id, organization_id = int(found["id"]), int(found["organization"])
        try:
            actors[organization_id] = actor = (
                actors.get(organization_id) or await _service_actor(organization_id))
            await deploy_workflow(actor, workflow_id)
        except DeploymentFailed as error:
            if not error.retryable or error.reason == "EnvironmentNotReady":
                await fail_waiting(workflow_id, error)
            log.warning("workflow %s: waiting deploy failed: %s", workflow_id, error)
            done.append(Redeploy(workflow_id, str(error)))
        except DomainError as error:
            log.warning("workflow %s: waiting deploy failed: %s", workflow_id, error)
            done.append(Redeploy(workflow_id, str(error)))
        else:
            done.append(Redeploy(workflow_id))
    return done
