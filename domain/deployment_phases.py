"""The deployment watcher: moves PROGRESSING deployments to AVAILABLE (with the pod name) or
FAILED (with the reason), announcing each change. Level-based and safe to run in several
processes at once: a phase is written only if the deployment it observed is still current.

A deployment still PROGRESSING `settings.deploy_timeout_seconds` after it was applied fails
with reason "Timeout". Until a deployment is AVAILABLE, its executions go to the default queue
(`domain.dispatch.queue_for`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from db.engine import engine
from deploy.errors import DeployError, TemporaryDeployError
from deploy.model import DeploymentHandle, DeploymentStatus
from domain._sql import fetch, fetch_one
from domain._workflow_store import announce
from domain.provisioners import provisioner
from domain.settings import get_settings

_RECORD = """
UPDATE workflow SET deployment_phase = $2, deployment_pod_name = $3, deployment_error = $4,
       updated_at = now()
 WHERE id = $1 AND deployment_phase = 'PROGRESSING' AND deployed_at = $5
RETURNING id, organization
"""


async def reconcile_deployment_phases() -> int:
    """Observe every PROGRESSING deployment once; returns how many changed phase."""
    rows = await fetch(
        "SELECT id, organization, deployment_namespace, deployment_name, deployed_at"
        " FROM workflow WHERE deployment_phase = 'PROGRESSING'"
        " AND deployment_name IS NOT NULL ORDER BY id")
    changed = 0
    for row in rows:
        status = await observe(row)
        if status.phase != "PROGRESSING" and await _record(row, status):
            changed += 1
    return changed


async def observe(row: dict[str, Any]) -> DeploymentStatus:
    """The phase of a workflow row's deployment (Any: column values), timeout included."""
    handle = DeploymentHandle(str(row["deployment_namespace"]), str(row["deployment_name"]))
    try:
        status = await provisioner(handle.namespace).status(handle)
    except TemporaryDeployError as error:
        status = DeploymentStatus("PROGRESSING", message=error.message)
    except DeployError as error:
        return DeploymentStatus("FAILED", reason=error.reason, message=error.message)
    timeout = get_settings().deploy_timeout_seconds
    age = (datetime.now(UTC) - row["deployed_at"]).total_seconds()
    if status.phase == "PROGRESSING" and age > timeout:
        message = f"not available after {timeout:g}s: {status.message or 'no progress'}"
        return DeploymentStatus("FAILED", reason="Timeout", message=message)
    return status


async def _record(row: dict[str, Any], status: DeploymentStatus) -> bool:
    error = None
    if status.phase == "FAILED":
        error = f"{status.reason}: {status.message}" if status.message else status.reason
    async with engine().transaction():
        written = await fetch_one(
            _RECORD, row["id"], status.phase, status.pod_name, error, row["deployed_at"])
        if written is None:  # redeployed or undeployed meanwhile
            return False
        await announce(written, {"deployment": {
            "phase": status.phase, "podName": status.pod_name, "error": error}})
    return True
