"""The deployment watcher: keeps the phase of every deployed workflow equal to what its cluster
reports, announcing each change. On Kubernetes a watch of the Deployments and pods Flowplane
manages triggers the observation (`watch_deployment_phases`); periodic passes resync.
Level-based and safe to run in several processes at once: a phase is written only if the row
still holds the deployment and the phase it observed.

A phase is what is true now, not a verdict:

- PROGRESSING -> AVAILABLE (with the pod name) or FAILED (with the reason);
- AVAILABLE -> FAILED when the worker starts crash-looping, or -> PROGRESSING when its pod is
  gone and a new one is on its way;
- FAILED -> AVAILABLE once the cluster recovers (a node with free GPUs appeared, an image was
  pushed). FAILED goes back to PROGRESSING only through a new deploy, so a flapping pod does
  not reset the deploy timeout.

An autoscaled deployment (`autoscale: {min, max}`) that is AVAILABLE stays so while KEDA
starts workers, also from zero: only an obstacle, a failure or a redeploy changes its phase.

A PROGRESSING deployment may carry a reason (`Unschedulable`: the scheduler keeps retrying, so
it is a state, not a failure); it fails with reason "Timeout" once it has been PROGRESSING
for `settings.deploy_timeout_seconds`, counted on the database clock from
`deployment_phase_changed_at`. Until a deployment is AVAILABLE, its executions go to the
default queue (`domain.dispatch.queue_for`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection

from db.engine import engine
from deploy.errors import DeployError, TemporaryDeployError
from deploy.kubernetes import KubernetesProvisioner
from deploy.model import DeploymentHandle, DeploymentStatus
from domain._sql import fetch, fetch_one
from domain._workflow_store import announce
from domain.provisioners import provisioner
from domain.rows import DeployedWorkflowRow
from domain.settings import get_settings
from telemetry.metrics import DEPLOYMENT_FAILURES, reason_label

log = logging.getLogger(__name__)
# Seconds spent in the current phase, on the database clock (never the process's).
_DEPLOYED = """
SELECT id, organization, deployment_namespace, deployment_name, deployed_at, deployment_phase,
       deployment_pod_name, deployment_error, deployment_reason, deployment_autoscale_max,
       extract(epoch FROM clock_timestamp() - coalesce(deployment_phase_changed_at, deployed_at))
         AS phase_seconds
  FROM workflow WHERE deployment_name IS NOT NULL {only} ORDER BY id
"""
_RECORD = """
UPDATE workflow SET deployment_phase = $2::varchar, deployment_pod_name = $3, deployment_error = $4,
       deployment_reason = $5, updated_at = now(),
       deployment_phase_changed_at = CASE WHEN deployment_phase = $2
         THEN deployment_phase_changed_at ELSE clock_timestamp() END
 WHERE id = $1 AND deployed_at = $6 AND deployment_phase IS NOT DISTINCT FROM $7::varchar
RETURNING id
"""


async def reconcile_deployment_phases(
    *, progressing_only: bool = False, workflow_ids: Collection[int] | None = None
) -> int:
    """Observe every deployed workflow once (or only the PROGRESSING ones, the frequent pass
    while a rollout is under way, or those of `workflow_ids`); returns how many changed."""
    only = "AND deployment_phase = 'PROGRESSING'" if progressing_only else ""
    if workflow_ids is not None:
        only += " AND id = ANY($1::int[])"
    records = await fetch(_DEPLOYED.format(only=only),
                          *([] if workflow_ids is None else [list(workflow_ids)]))
    changed = 0
    for row in map(DeployedWorkflowRow.from_record, records):
        status = next_status(row, await observe(row))
        if _differs(row, status) and await _record(row, status):
            changed += 1
    return changed


async def reconcile_progressing_phases() -> int:
    return await reconcile_deployment_phases(progressing_only=True)


async def watch_deployment_phases(
    *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> None:
    """Observe a workflow's deployment as soon as the cluster reports a change of its objects
    (a Kubernetes watch); returns when the watch ends. The resync passes above catch whatever
    a watch misses (it was down, the cluster did not say), and are all a local setup has."""
    target = provisioner()
    if not isinstance(target, KubernetesProvisioner):
        return
    try:
        async for workflow_id in target.changes():
            await reconcile_deployment_phases(workflow_ids=[workflow_id])
    except TemporaryDeployError as error:  # the resync passes go on meanwhile
        log.warning("deployment watch: %s; watching again in %gs", error, error.delay)
        await sleep(error.delay)


async def observe(row: DeployedWorkflowRow) -> DeploymentStatus:
    """What the cluster reports for a workflow row's deployment."""
    handle = DeploymentHandle(str(row.deployment_namespace), str(row.deployment_name))
    try:
        return await provisioner(handle.namespace).status(handle)
    except TemporaryDeployError as error:  # no news: the phase stays as it is
        return DeploymentStatus("PROGRESSING", reason="Unreachable", message=error.message)
    except DeployError as error:
        return DeploymentStatus("FAILED", reason=error.reason, message=error.message)


def next_status(row: DeployedWorkflowRow, observed: DeploymentStatus) -> DeploymentStatus:
    """The status to record for `observed`, given the row's phase and time in it (pure)."""
    phase = row.deployment_phase
    if observed.reason == "Unreachable":  # the cluster did not answer: keep what we know
        return _as_recorded(row)
    if observed.phase != "PROGRESSING":
        return observed
    if phase == "FAILED":  # only a redeploy starts a new rollout (and a new deadline)
        return _as_recorded(row)
    if phase == "AVAILABLE" and row.deployment_autoscale_max is not None and (
            observed.reason is None):
        # KEDA is waking a worker up (from zero) or replacing one: pods come and go by design,
        # and the queue keeps its jobs until one serves it. An obstacle (Unschedulable) or a
        # redeploy's rollout (recorded PROGRESSING at deploy) still shows.
        return DeploymentStatus("AVAILABLE", pod_name=observed.pod_name)
    timeout = get_settings().deploy_timeout_seconds
    if phase == "PROGRESSING" and float(row.phase_seconds or 0) > timeout:
        waited = f"{observed.reason}: {observed.message}" if observed.reason else (
            observed.message or "no progress")
        message = f"not available after {timeout:g}s: {waited}"
        return DeploymentStatus("FAILED", pod_name=observed.pod_name, reason="Timeout",
                                message=message)
    return observed


def _as_recorded(row: DeployedWorkflowRow) -> DeploymentStatus:
    error = row.deployment_error
    message = error.split(": ", 1)[-1] if error else None
    return DeploymentStatus(row.deployment_phase or "PROGRESSING",
                            pod_name=row.deployment_pod_name, reason=row.deployment_reason,
                            message=message)


def error_text(status: DeploymentStatus) -> str | None:
    """`deployment_error`: "<reason>: <message>" when there is a reason (FAILED, or what a
    PROGRESSING deployment waits on)."""
    if status.reason is None:
        return None
    return f"{status.reason}: {status.message}" if status.message else status.reason


def _differs(row: DeployedWorkflowRow, status: DeploymentStatus) -> bool:
    recorded = (row.deployment_phase, row.deployment_pod_name, row.deployment_reason,
                row.deployment_error)
    return recorded != (status.phase, status.pod_name, status.reason, error_text(status))


async def _record(row: DeployedWorkflowRow, status: DeploymentStatus) -> bool:
    error = error_text(status)
    async with engine().transaction():
        written = await fetch_one(
            _RECORD, row.id, status.phase, status.pod_name, error, status.reason,
            row.deployed_at, row.deployment_phase)
        if written is None:  # redeployed, undeployed or observed by another process meanwhile
            return False
        await announce(row.id, {"deployment": {
            "phase": status.phase, "podName": status.pod_name, "error": error,
            "reason": status.reason}})
    if status.phase == "FAILED" and row.deployment_phase != "FAILED":
        DEPLOYMENT_FAILURES.labels(reason_label(status.reason)).inc()
    return True
