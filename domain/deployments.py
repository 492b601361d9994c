"""Deploying, undeploying and pausing workflows: the one door the API and the git sync use.

Deploying is all or nothing. Every check runs first (`_deploy_plan`): a failure changes no
row and touches no cluster. Then the provisioner applies the objects; only once that worked is
the workflow written (status `active`, the seed's deployment metadata, phase PROGRESSING,
status history and a `workflow` event) in one transaction. `reconcile_deployment_phases`
(`deployment_phases`) later moves the phase to AVAILABLE or FAILED. Chosen settings different
from the saved ones are saved as a new version first, so a paused workflow redeploys as it was.

Undeploying tears the objects down, then clears the deployment fields; the definition and the
execution history stay. Secrets (STRONGLY_SERVICES) only ever reach the provisioner.
"""

from __future__ import annotations

import logging
from typing import Any

from db.engine import engine
from deploy.errors import DeployError, TemporaryDeployError
from deploy.model import DeploymentHandle
from domain import _workflow_store as store
from domain._deploy_fingerprint import fingerprint
from domain._deploy_plan import (
    DeploymentFailed,
    DeployPlan,
    EnvironmentBuilding,
    chosen_definition,
    parse_deployment_settings,
    plan_deploy,
)
from domain._sql import fetch, fetch_one
from domain._workflow_rules import writable
from domain.access import Actor
from domain.deployment_phases import reconcile_deployment_phases
from domain.dispatch import workflow_queue
from domain.environments import local_build_pending
from domain.leases import redispatch
from domain.provisioners import image_builder, provisioner
from domain.rows import WorkflowRow
from domain.spec.model import DeploymentSettings
from domain.webhooks import ensure_webhook_token
from domain.workflows import update_workflow
from telemetry.metrics import DEPLOYMENT_FAILURES, reason_label

__all__ = [
    "DeploymentFailed",
    "deploy_workflow",
    "parse_deployment_settings",
    "pause_workflow",
    "reconcile_deployment_phases",
    "undeploy_before_delete",
    "undeploy_workflow",
]
# A first deploy whose environment is being built: recorded PROGRESSING with this reason, no
# workers yet; `domain.redeploys.deploy_waiting` deploys it once the build is over.
WAITING = "WaitingForEnvironment"
log = logging.getLogger(__name__)

DEPLOYMENT_COLUMNS = (
    "deployment_environment_id", "deployment_cpu", "deployment_memory", "deployment_disk",
    "deployment_gpu", "deployment_gpu_type", "deployment_namespace", "deployment_name",
    "deployment_pod_name", "deployment_phase", "deployment_error", "deployment_reason",
    "deployed_at", "deployment_phase_changed_at", "deployment_fingerprint",
    "deployment_autoscale_min", "deployment_autoscale_max",
)
_ATTEMPTS = 3  # plans of one deploy, each after a save that landed meanwhile


def handle_of(row: WorkflowRow) -> DeploymentHandle | None:
    """Where the workflow row says its workers are, if anywhere."""
    if not row.deployment_namespace or not row.deployment_name:
        return None
    return DeploymentHandle(row.deployment_namespace, row.deployment_name)


def failed(error: DeployError) -> DeploymentFailed:
    retryable = isinstance(error, TemporaryDeployError)
    return DeploymentFailed(error.reason, error.message, retryable=retryable)


async def _writable_row(actor: Actor, workflow_id: int) -> WorkflowRow:
    async with engine().transaction():
        row, _ = await writable(actor, workflow_id)
    return row


async def deploy_workflow(
    actor: Actor,
    workflow_id: int,
    settings: DeploymentSettings | None = None,
    *,
    force_redeploy: bool = False,
) -> WorkflowRow:
    """Deploy with `settings` (None: the saved deployment settings); returns the row.

    The deploy is planned from the row as read; a save that lands before it is recorded makes
    it plan and apply again from the saved row (never writing over that save).
    Raises NotFound / Forbidden / GitManaged, InvalidInput (definition or settings) or
    DeploymentFailed (missing references, environment not usable, cluster errors)."""
    row = await _writable_row(actor, workflow_id)
    if handle_of(row) is None and await local_build_pending(
            row.organization, chosen_definition(row, settings).deployment.environment):
        return await _deploy_after_local_build(actor, workflow_id, row, settings)
    return await _deploy(actor, workflow_id, row, settings, force_redeploy)


async def _deploy_after_local_build(
    actor: Actor, workflow_id: int, row: WorkflowRow, settings: DeploymentSettings | None,
) -> WorkflowRow:
    """A first deploy that installs its environment's packages here: recorded as waiting
    for them while pip runs (so the phase says so), then deployed; if anything fails, the
    waiting record is taken back (all or nothing, as for any other deploy)."""
    name = chosen_definition(row, settings).deployment.environment
    waiting = await _record_waiting(actor, workflow_id, row, settings, EnvironmentBuilding(
        name, f"the python packages of environment {name!r} are being installed"))
    try:
        return await _deploy(actor, workflow_id, waiting, None, False)
    except BaseException as error:
        await _record_undeployed(actor, workflow_id, row.status,
                                 f"deploy failed: {error}")
        raise


async def _deploy(
    actor: Actor, workflow_id: int, row: WorkflowRow, settings: DeploymentSettings | None,
    force_redeploy: bool,
) -> WorkflowRow:
    previous = handle_of(row)
    removed = previous if force_redeploy else None
    if removed is not None:
        await _remove(removed, workflow_id)
    for _ in range(_ATTEMPTS):
        plan = await _plan_or_wait(actor, workflow_id, row, settings, first=previous is None)
        if not isinstance(plan, DeployPlan):  # recorded as waiting for its environment
            return plan
        handle = await _apply(actor, workflow_id, plan, removed)
        try:
            updated = await _record_deployed(actor, workflow_id, plan, handle, row.version)
        except _Superseded as superseded:
            row = superseded.row
            continue
        except BaseException:
            if previous is None or force_redeploy:  # leave nothing behind that no row knows of
                await _remove_quietly(handle, workflow_id)
            raise
        if previous is not None and previous.namespace != handle.namespace:
            await _remove_quietly(previous, workflow_id)
        return updated
    error = DeploymentFailed(
        "Conflict", f"workflow {workflow_id} was saved again during each of {_ATTEMPTS} deploy "
        "attempts: deploy it again", retryable=True)
    if previous is None or force_redeploy:  # as for any other failure after the apply
        await _remove_quietly(handle, workflow_id)
    if removed is not None:
        await _record_undeployed(actor, workflow_id, "paused", f"redeploy failed: {error}")
    raise error


class _Superseded(Exception):  # control flow: never escapes this module
    """A save landed while the deploy was applying: plan again from the saved row."""

    def __init__(self, row: WorkflowRow) -> None:
        super().__init__(f"workflow {row.id} is at version {row.version} now")
        self.row = row


async def _apply(
    actor: Actor, workflow_id: int, plan: DeployPlan, removed: DeploymentHandle | None
) -> DeploymentHandle:
    try:
        return await provisioner().deploy(plan.request)
    except DeployError as error:
        DEPLOYMENT_FAILURES.labels(reason_label(error.reason)).inc()
        if removed is not None:  # the old workers are gone: say so
            await _record_undeployed(actor, workflow_id, "paused", f"redeploy failed: {error}")
        raise failed(error) from error


def deployed_columns(settings: DeploymentSettings, handle: DeploymentHandle) -> dict[str, Any]:
    applied = settings.autoscale if handle.autoscaled else None  # local: one worker, always
    return {
        "status": "active",
        "deployment_environment_id": settings.environment,
        "deployment_cpu": settings.cpu,
        "deployment_memory": settings.memory,
        "deployment_disk": settings.disk,
        "deployment_gpu": settings.gpu,
        "deployment_gpu_type": settings.gpu_type,
        "deployment_autoscale_min": None if applied is None else applied.minimum,
        "deployment_autoscale_max": None if applied is None else applied.maximum,
        "deployment_namespace": handle.namespace,
        "deployment_name": handle.name,
        "deployment_pod_name": None,
        "deployment_phase": "PROGRESSING",
        "deployment_error": None,
        "deployment_reason": None,
    }


async def _record_deployed(
    actor: Actor, workflow_id: int, plan: DeployPlan, handle: DeploymentHandle, version: int
) -> WorkflowRow:
    """Write the deployment, if the row is still at the `version` it was planned from."""
    digest = await fingerprint(plan)
    async with engine().transaction():
        row, _ = await writable(actor, workflow_id)
        if row.version != version:
            raise _Superseded(row)
        if plan.settings_changed:  # a save of the definition: new version and revision
            await update_workflow(actor, workflow_id, definition=plan.definition,
                                  expected_version=version)
        if plan.definition.trigger.type == "webhook":
            await ensure_webhook_token(workflow_id)
        columns = deployed_columns(plan.settings, handle) | {"deployment_fingerprint": digest}
        await store.update_columns(workflow_id, columns)
        await fetch("UPDATE workflow SET deployed_at = c.t, deployment_phase_changed_at = c.t"
                    " FROM (SELECT clock_timestamp() AS t) AS c"  # the database clock, once
                    " WHERE id = $1", workflow_id)
        if row.status != "active":
            await store.record_status(actor, workflow_id, row.status, "active", "deployed")
        await store.announce(workflow_id, {"deployment": {
            "phase": "PROGRESSING", "namespace": handle.namespace, "name": handle.name}})
        updated = await store.load_row(workflow_id)
    assert updated is not None  # locked above
    return updated


async def _plan_or_wait(
    actor: Actor, workflow_id: int, row: WorkflowRow, settings: DeploymentSettings | None,
    *, first: bool,
) -> DeployPlan | WorkflowRow:
    """The plan; or, for a first deploy whose environment is being built, the row recorded
    as waiting for it (a deployed workflow keeps its workers: the redeploy pass follows up)."""
    try:
        return await plan_deploy(row, settings, image_builder())
    except EnvironmentBuilding as building:
        if not first:
            raise
        return await _record_waiting(actor, workflow_id, row, settings, building)


async def _record_waiting(
    actor: Actor, workflow_id: int, row: WorkflowRow, settings: DeploymentSettings | None,
    building: EnvironmentBuilding,
) -> WorkflowRow:
    """Record a first deploy as waiting for its environment's build: active, PROGRESSING with
    reason WAITING and what it waits for, no workers (yet)."""
    definition = chosen_definition(row, settings)
    error = f"{WAITING}: waiting for environment {building.environment!r}: {building.detail}"
    async with engine().transaction():
        current, _ = await writable(actor, workflow_id)
        if definition.content_hash() != store.stored_hash(current):  # chosen settings: saved
            await update_workflow(actor, workflow_id, definition=definition,
                                  expected_version=row.version)
        deployment = definition.deployment
        await store.update_columns(workflow_id, dict.fromkeys(DEPLOYMENT_COLUMNS) | {
            "status": "active", "deployment_environment_id": deployment.environment,
            "deployment_cpu": deployment.cpu, "deployment_memory": deployment.memory,
            "deployment_disk": deployment.disk, "deployment_gpu": deployment.gpu,
            "deployment_gpu_type": deployment.gpu_type, "deployment_phase": "PROGRESSING",
            "deployment_reason": WAITING, "deployment_error": error})
        await fetch("UPDATE workflow SET deployment_phase_changed_at = clock_timestamp()"
                    " WHERE id = $1", workflow_id)
        if current.status != "active":
            await store.record_status(actor, workflow_id, current.status, "active",
                                      f"deployed, waiting for environment "
                                      f"{building.environment!r}")
        await store.announce(workflow_id, {"deployment": {
            "phase": "PROGRESSING", "reason": WAITING, "error": error}})
        updated = await store.load_row(workflow_id)
    assert updated is not None  # locked above
    return updated


async def fail_waiting(workflow_id: int, failure: DeploymentFailed) -> bool:
    """A waiting deploy (WAITING) whose environment will not come: FAILED with the deploy's
    reason and error (the build's). False when it is no longer waiting."""
    error = f"{failure.reason}: {failure}"
    async with engine().transaction():
        row = await fetch_one(
            "UPDATE workflow SET deployment_phase = 'FAILED', deployment_reason = $2,"
            " deployment_error = $3, deployment_phase_changed_at = clock_timestamp(),"
            " updated_at = now() WHERE id = $1 AND deployment_name IS NULL"
            " AND deployment_reason = $4 RETURNING id",
            workflow_id, failure.reason, error, WAITING)
        if row is None:
            return False
        await store.announce(workflow_id, {"deployment": {
            "phase": "FAILED", "reason": failure.reason, "error": error}})
    DEPLOYMENT_FAILURES.labels(reason_label(failure.reason)).inc()
    return True


async def undeploy_workflow(actor: Actor, workflow_id: int) -> WorkflowRow:
    """Tear the workers down and clear the deployment fields; an active workflow is paused."""
    return await _teardown(actor, workflow_id, "paused", "undeployed", only_active=True)


async def pause_workflow(actor: Actor, workflow_id: int) -> WorkflowRow:
    """Undeploy and set the status to paused (deployment settings are kept)."""
    return await _teardown(actor, workflow_id, "paused", "paused", only_active=False)


async def undeploy_before_delete(actor: Actor, workflow_id: int) -> None:
    """The hook `domain.workflows` calls before archiving or deleting a workflow."""
    await _teardown(actor, workflow_id, None, "undeployed before archive or delete")


async def _teardown(
    actor: Actor, workflow_id: int, status: str | None, reason: str, *, only_active: bool = True
) -> WorkflowRow:
    row = await _writable_row(actor, workflow_id)
    handle = handle_of(row)
    if handle is not None:
        await _remove(handle, workflow_id)
    if only_active and row.status != "active":
        status = None
    updated = await _record_undeployed(actor, workflow_id, status, reason)
    if handle is not None:
        await _requeue_pending(workflow_id)
    return updated


async def _requeue_pending(workflow_id: int) -> None:
    """Pending executions queued for the removed workers go to the default queue."""
    rows = await fetch(
        "SELECT e.id, e.dispatch_generation, e.queue_name, w.organization FROM execution e"
        " JOIN workflow w ON w.id = e.workflow WHERE e.workflow = $1 AND e.status = 'pending'",
        workflow_id)
    for row in rows:
        if row["queue_name"] != workflow_queue(int(row["organization"]), workflow_id):
            continue
        await redispatch(int(row["id"]), int(row["dispatch_generation"]),
                         "the workflow was undeployed: dispatched to the default queue")


async def _record_undeployed(
    actor: Actor, workflow_id: int, status: str | None, reason: str
) -> WorkflowRow:
    """Clear the deployment fields (and move to `status`), with history and event."""
    async with engine().transaction():
        row, _ = await writable(actor, workflow_id)
        values: dict[str, Any] = dict.fromkeys(DEPLOYMENT_COLUMNS)
        if status is not None and row.status != status:
            values["status"] = status
            await store.record_status(actor, workflow_id, row.status, status, reason)
        if any(getattr(row, column) is not None for column in DEPLOYMENT_COLUMNS):
            await store.update_columns(workflow_id, values)
            await store.announce(workflow_id, {"deployment": None, "reason": reason})
        elif "status" in values:
            await store.update_columns(workflow_id, {"status": status})
        updated = await store.load_row(workflow_id)
    assert updated is not None  # locked above
    return updated


async def _remove(handle: DeploymentHandle, workflow_id: int) -> None:
    try:
        await provisioner(handle.namespace).undeploy(handle.namespace, workflow_id)
    except DeployError as error:
        raise failed(error) from error


async def _remove_quietly(handle: DeploymentHandle, workflow_id: int) -> None:
    """Best-effort cleanup after another failure; that failure is the one reported."""
    try:
        await provisioner(handle.namespace).undeploy(handle.namespace, workflow_id)
    except DeployError as error:
        log.warning("could not remove %s/%s: %s", handle.namespace, handle.name, error)
