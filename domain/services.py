"""STRONGLY_SERVICES: the services a workflow's nodes use, with their secrets resolved.

Built from the nodes' references: the AI gateway base configuration always, plus each model,
data source and add-on a node names. The JSON shape (what a worker finds in the
`STRONGLY_SERVICES` environment variable)::

    {"aiGateway": {"baseUrl": ...},
     "models": {"<name>": {"provider", "model", "baseUrl", "apiKey"}},
     "dataSources": {"<name>": {"type", "host", "port", "database", "user", ..., "password"}},
     "addOns": {"<name>": {"type", "endpoint", "config", "credentials"}}}

Secret references (never secret values) take exactly one of three forms:

- `{"env": "NAME"}`: the environment variable NAME of the process that resolves it;
- `{"file": "/path"}`: the content of a file (one trailing newline dropped);
- `{"secret": {"name": "s", "key": "k"}}`: a key of a Kubernetes Secret, read from the file
  `<secrets_dir>/s/k` where the Secret is mounted (setting `FLOWPLANE_SECRETS_DIR`, default
  `/var/run/flowplane/secrets`; the deploy provisioner mounts each referenced Secret there).

A reference that does not resolve raises `UnresolvedReference` naming every missing one: an
execution fails at once on it, without retries.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from domain._sql import decode, fetch
from domain.errors import DomainError
from domain.settings import get_settings

ENV_VAR = "STRONGLY_SERVICES"
WORKFLOW_ENV_VAR = "FLOWPLANE_WORKFLOW_ID"  # set on a deployed workflow's workers
# node field -> (table, services key, what the message calls it)
_KINDS = {
    "dataSource": ("data_source", "dataSources", "data source"),
    "model": ("ai_model", "models", "model"),
    "addOn": ("add_on", "addOns", "add-on"),
}


class UnresolvedReference(DomainError):
    """A node names a service or a secret that does not resolve."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def resolve_secret(ref: dict[str, Any], environ: dict[str, str] | None = None) -> str:
    """The value behind a secret reference (Any: the JSON reference); raises
    UnresolvedReference with a message naming it."""
    env = os.environ if environ is None else environ
    if "env" in ref:
        value = env.get(str(ref["env"]))
        if value is None:
            raise UnresolvedReference([f"environment variable {ref['env']} is not set"])
        return value
    if "file" in ref:
        return _read(Path(str(ref["file"])), f"file {ref['file']}")
    secret = ref.get("secret")
    if isinstance(secret, dict) and "name" in secret and "key" in secret:
        path = Path(get_settings().secrets_dir) / str(secret["name"]) / str(secret["key"])
        return _read(path, f"key {secret['key']!r} of Kubernetes secret {secret['name']!r}")
    raise UnresolvedReference([f"secret reference {json.dumps(ref)} has no env, file or secret"])


def _read(path: Path, what: str) -> str:
    try:
        text = path.read_text()
    except OSError as error:
        raise UnresolvedReference([f"{what} cannot be read ({error.strerror})"]) from None
    return text[:-1] if text.endswith("\n") else text


def referenced_names(nodes: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Service names per node field (dataSource, model, addOn) that the nodes reference."""
    names: dict[str, set[str]] = {field: set() for field in _KINDS}
    for node in nodes:
        for field in _KINDS:
            if node.get(field):
                names[field].add(str(node[field]))
    return names


async def build_services(
    organization_id: int, nodes: list[dict[str, Any]], *, resolve: bool = True
) -> dict[str, Any]:
    """STRONGLY_SERVICES for these nodes (Any: JSON). Without `resolve`, secret values are
    left out (the references stay), e.g. to show what a deployment will need."""
    services: dict[str, Any] = {"aiGateway": {"baseUrl": get_settings().ai_gateway_url}}
    problems: list[str] = []
    for field, wanted in referenced_names(nodes).items():
        table, key, label = _KINDS[field]
        if not wanted:
            continue
        rows = await fetch(
            f"SELECT * FROM {table} WHERE organization = $1 AND name = ANY($2::text[])",
            organization_id, sorted(wanted),
        )
        found = {row["name"]: decode(row) for row in rows}
        services[key] = {}
        for name in sorted(wanted):
            if name not in found:
                problems.append(f"{label} {name!r} does not exist")
                continue
            try:
                services[key][name] = _describe(field, found[name], resolve)
            except UnresolvedReference as error:
                problems += [f"{label} {name!r}: {p}" for p in error.problems]
    if problems:
        raise UnresolvedReference(problems)
    return services


def _describe(field: str, row: dict[str, Any], resolve: bool) -> dict[str, Any]:
    ref = row.get("secret_ref")
    secret = resolve_secret(ref) if resolve and ref else None
    if field == "dataSource":
        described = {"type": row["type"], **(row.get("config") or {})}
        described["password"] = secret
    elif field == "model":
        described = {"provider": row["provider"], "model": row["model"],
                     "baseUrl": row["base_url"], "apiKey": secret}
    else:
        described = {"type": row["type"], "endpoint": row["endpoint"],
                     "config": row.get("config") or {}, "credentials": secret}
    if not resolve and ref:
        described["secretRef"] = ref
    return described


def services_from_env(
    workflow_id: int, environ: dict[str, str] | None = None
) -> dict[str, Any] | None:
    """The STRONGLY_SERVICES a deployed worker was started with (Any: JSON), when it was
    deployed for this workflow (`FLOWPLANE_WORKFLOW_ID`); otherwise None: build them."""
    env = os.environ if environ is None else environ
    raw = env.get(ENV_VAR)
    if not raw or env.get(WORKFLOW_ENV_VAR) != str(workflow_id):
        return None
    return dict(json.loads(raw))
