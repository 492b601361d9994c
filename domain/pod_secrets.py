"""`{k8sSecret: {name, key}}` on Kubernetes: the platform never reads the Secret. A deploy
leaves the value out of STRONGLY_SERVICES, names an environment variable in its place
(`secretEnv`), and asks the provisioner to wire that variable into the worker pod with
`secretKeyRef` to the Secret in the organization's namespace; the worker fills the value in
from its own environment when it reads STRONGLY_SERVICES."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

ENV_FIELD = "secretEnv"
# services key -> the field of each described service that holds its secret
SECRET_FIELDS = {"models": "apiKey", "dataSources": "password", "addOns": "credentials"}


def env_name(name: str, key: str) -> str:
    """A stable environment variable for one key of one Secret (names may hold '-', '.')."""
    digest = hashlib.sha256(f"{name}/{key}".encode()).hexdigest()[:16].upper()
    return f"FLOWPLANE_K8S_SECRET_{digest}"


def fill_from_env(services: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """STRONGLY_SERVICES with each `secretEnv` placeholder replaced by the variable's value
    (Any: JSON); a variable the pod lacks leaves the value null, as an unset reference."""
    for key, field in SECRET_FIELDS.items():
        for described in (services.get(key) or {}).values():
            if isinstance(described, dict) and ENV_FIELD in described:
                described[field] = environ.get(str(described.pop(ENV_FIELD)))
    return services
