"""A digest of what a deployment renders, to tell whether a deployed workflow must be redeployed.

It covers the provisioner request (image, resources, GPU, names, queue) and STRONGLY_SERVICES
with secret *references*: secret values never reach a row, not even hashed (an unsalted hash
of a short password is as good as the password). A rotated value under the same reference is
therefore not seen here; whoever rotates it asks for the redeploy (`domain.redeploys`). Of
the extra worker variables only the names count, for the same reason. Autoscaling counts only
while on, so the digests of deployments made before it existed stay the same.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from domain._deploy_plan import DeployPlan
from domain.services import build_services


async def fingerprint(plan: DeployPlan) -> str:
    request = plan.request
    document: dict[str, Any] = {  # Any: JSON values
        field.name: getattr(request, field.name) for field in dataclasses.fields(request)
        if field.name not in ("services", "env", "autoscale", "checksum_key")
    }
    if request.autoscale is not None:
        document["autoscale"] = dataclasses.asdict(request.autoscale)
    document["services"] = await build_services(
        request.organization_id, plan.definition.to_json()["nodes"], resolve=False)
    document["env"] = sorted(request.env)
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
