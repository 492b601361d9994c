"""What a changed secret means for deployed workflows: those whose nodes use a data source,
model or add-on that references it (or whose webhook trigger does) run with the old value
baked into their workers' STRONGLY_SERVICES, so they must be redeployed.

The redeploy itself belongs to the deploy area: `redeploy_hook()` finds
`domain.deployments.redeploy_workflows(organization_id, workflow_ids, reason)` once it exists
(the same late lookup as `domain.workflows.undeploy_hook`). Until then the workflows are
logged as needing a redeploy.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable

from domain._sql import fetch

log = logging.getLogger(__name__)
RedeployHook = Callable[[int, list[int], str], Awaitable[None]]

_USING = """
SELECT w.id FROM workflow w
WHERE w.organization = $1 AND w.deployed_at IS NOT NULL AND (
  w.trigger -> 'secretRef' ->> 'secret' = $2
  OR EXISTS (
    SELECT 1 FROM jsonb_array_elements(w.nodes) n WHERE
      n ->> 'dataSource' IN (SELECT name FROM data_source
                             WHERE organization = $1 AND secret_ref ->> 'secret' = $2)
      OR n ->> 'model' IN (SELECT name FROM ai_model
                           WHERE organization = $1 AND secret_ref ->> 'secret' = $2)
      OR n ->> 'addOn' IN (SELECT name FROM add_on
                           WHERE organization = $1 AND secret_ref ->> 'secret' = $2)))
ORDER BY w.id"""


async def deployed_workflows_using(organization_id: int, name: str) -> list[int]:
    """Ids of the organization's deployed workflows that reference the secret `name`."""
    rows = await fetch(_USING, organization_id, name)
    return [int(row["id"]) for row in rows]


def redeploy_hook() -> RedeployHook | None:
    try:
        module = importlib.import_module("domain.deployments")
    except ModuleNotFoundError as exc:
        if exc.name != "domain.deployments":
            raise
        return None
    hook: RedeployHook | None = getattr(module, "redeploy_workflows", None)
    return hook


async def redeploy_after_secret_change(organization_id: int, name: str) -> list[int]:
    """Redeploy (or, without the deploy area's entry point, log) the deployed workflows that
    use the secret; returns their ids."""
    workflow_ids = await deployed_workflows_using(organization_id, name)
    if not workflow_ids:
        return []
    hook = redeploy_hook()
    if hook is None:
        log.warning("secret %r of organization %s changed: deployed workflows %s still run "
                    "with the old value until redeployed", name, organization_id, workflow_ids)
    else:
        await hook(organization_id, workflow_ids, f"secret {name!r} changed")
    return workflow_ids
