"""STRONGLY_SERVICES: the services a workflow's nodes use, with their secrets resolved.

Built from the nodes' references: the AI gateway base configuration always, plus each model,
data source and add-on a node names. The JSON shape (what a worker finds in the
`STRONGLY_SERVICES` environment variable)::

    {"aiGateway": {"baseUrl": ...},
     "models": {"<name>": {"provider", "model", "baseUrl", "apiKey"}},
     "dataSources": {"<name>": {"type", "host", "port", "database", "user", ..., "password"}},
     "addOns": {"<name>": {"type", "endpoint", "config", "credentials"}}}

Secret references (never secret values) of a data source, add-on or model resolve inside
the organization that owns it (`resolve_reference`):

- `{"secret": "NAME"}`: the organization's secret store (domain.secret_store), decrypted now;
- `{"k8sSecret": {"name", "key"}}`: a Secret in the organization's namespace, which only a
  deployed worker pod receives (wired with `secretKeyRef`); the platform never reads it;
- `{"env": "NAME"}` / `{"file": "/path"}`: the resolving process's environment variable or a
  file (one trailing newline dropped), only where the operator allows it for the
  organization (domain.reference_rules; refused already when the resource was saved);
- `{"secret": {"name": "s", "key": "k"}}` (deprecated): the file `<secrets_dir>/s/k`.

`resolve_secret` is the operator's own, unscoped resolution (the sync's git credentials and
push-webhook secret, which the operator configures). A reference that does not resolve raises
`UnresolvedReference` naming every missing one (names only, never a value): an execution fails
at once on it, without retries.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from domain import reference_rules, secret_store
from domain._envelope import SecretKeyError
from domain._sql import fetch, fetch_one
from domain.errors import DomainError
from domain.pod_secrets import ENV_FIELD, SECRET_FIELDS, fill_from_env
from domain.pod_secrets import env_name as pod_secrets_env
from domain.resources import ADD_ON, DATA_SOURCE, MODEL, ResourceKind
from domain.rows import AddOnRow, DataSourceRow, ModelRow
from domain.settings import get_settings

log = logging.getLogger(__name__)

ENV_VAR = "STRONGLY_SERVICES"
WORKFLOW_ENV_VAR = "FLOWPLANE_WORKFLOW_ID"  # set on a deployed workflow's workers
ServiceRow = DataSourceRow | ModelRow | AddOnRow
# node field -> (resource kind, services key)
_KINDS: dict[str, tuple[ResourceKind[ServiceRow], str]] = {
    "dataSource": (DATA_SOURCE, "dataSources"),
    "model": (MODEL, "models"),
    "addOn": (ADD_ON, "addOns"),
}


class UnresolvedReference(DomainError):
    """A node names a service or a secret that does not resolve."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def resolve_secret(ref: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> str:
    """The value behind an operator-configured reference (env, file, or the deprecated
    mounted Secret; Any: the JSON reference), unscoped: never for an organization's own
    references (`resolve_reference`). Raises UnresolvedReference with a message naming it."""
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
        root = Path(get_settings().secrets_dir).resolve()
        path = (root / str(secret["name"]) / str(secret["key"])).resolve()
        what = f"key {secret['key']!r} of Kubernetes secret {secret['name']!r}"
        if root not in path.parents:  # a stored reference from before keys were checked
            raise UnresolvedReference([f"{what} is not a file under {root}"])
        return _read(path, what)
    if isinstance(secret, str):
        raise UnresolvedReference([f"{{secret: {secret}}} names an organization's secret: it "
                                   "resolves only inside that organization"])
    raise UnresolvedReference([f"secret reference {json.dumps(ref)} has no env, file or secret"])


async def resolve_reference(organization_id: int, organization: str,
                            ref: Mapping[str, Any]) -> str:
    """The value behind an organization's reference, resolved only inside that organization
    (`organization` is its slug; Any: the JSON reference)."""
    name = ref.get("secret")
    if isinstance(name, str):
        try:
            value = await secret_store.resolve(organization_id, name)
        except SecretKeyError as error:  # no or another master key here: fail the run, clearly
            raise UnresolvedReference([f"secret {name!r}: {error}"]) from None
        if value is None:
            raise UnresolvedReference([f"secret {name!r} does not exist in this organization "
                                       "(set it with setSecret or `flowplane secret set`)"])
        return value
    k8s = ref.get("k8sSecret")
    if isinstance(k8s, Mapping):
        raise UnresolvedReference([
            f"{{k8sSecret: {{name: {k8s.get('name')}, key: {k8s.get('key')}}}}} is a Kubernetes "
            "Secret of the organization's namespace: only a deployed worker pod receives it, so "
            "it cannot resolve here (run on Kubernetes, or store it with `flowplane secret set` "
            "and write {secret: NAME})"])
    refused = reference_rules.ref_problem(ref, organization)
    if refused is not None:
        raise UnresolvedReference([refused[1]])
    if reference_rules.is_deprecated(ref):
        log.warning("organization %s: %s", organization, reference_rules.DEPRECATED)
    return resolve_secret(ref)


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
    organization_id: int, nodes: list[dict[str, Any]], *, resolve: bool = True,
    pod_secrets: dict[str, tuple[str, str]] | None = None, slug: str | None = None,
) -> dict[str, Any]:
    """STRONGLY_SERVICES for these nodes (Any: JSON). Without `resolve`, secret values are
    left out (the references stay), e.g. to show what a deployment will need. With
    `pod_secrets` (a deploy to Kubernetes), `{k8sSecret}` references become placeholders and
    `pod_secrets` collects the variables the worker pod must get (domain.pod_secrets).
    `slug` is the organization's, when the caller has it already."""
    services: dict[str, Any] = {"aiGateway": {"baseUrl": get_settings().ai_gateway_url}}
    problems: list[str] = []
    if slug is None:
        org = await fetch_one("SELECT slug FROM organization WHERE id = $1", organization_id)
        slug = "" if org is None else str(org["slug"])
    for field, wanted in referenced_names(nodes).items():
        kind, key = _KINDS[field]
        label = kind.label
        if not wanted:
            continue
        rows = await fetch(
            f"SELECT * FROM {kind.table} WHERE organization = $1 AND name = ANY($2::text[])",
            organization_id, sorted(wanted),
        )
        found = {str(row["name"]): kind.row.from_record(row) for row in rows}
        services[key] = {}
        for name in sorted(wanted):
            if name not in found:
                problems.append(f"{label} {name!r} does not exist")
                continue
            ref = found[name].secret_ref
            k8s = ref.get("k8sSecret") if isinstance(ref, dict) else None
            try:
                if resolve and pod_secrets is not None and isinstance(k8s, dict):
                    variable = pod_secrets_env(str(k8s["name"]), str(k8s["key"]))
                    pod_secrets[variable] = (str(k8s["name"]), str(k8s["key"]))
                    services[key][name] = {**_describe(found[name], None, resolve),
                                           ENV_FIELD: variable}
                    continue
                secret = (await resolve_reference(organization_id, slug, ref)
                          if resolve and ref else None)
                services[key][name] = _describe(found[name], secret, resolve)
            except UnresolvedReference as error:
                problems += [f"{label} {name!r}: {p}" for p in error.problems]
    if problems:
        raise UnresolvedReference(problems)
    return services


def _describe(row: ServiceRow, secret: str | None, resolve: bool) -> dict[str, Any]:
    ref = row.secret_ref
    described: dict[str, Any]  # Any: JSON values
    if isinstance(row, DataSourceRow):
        described = {"type": row.type, **(row.config or {})}
        described["password"] = secret
    elif isinstance(row, ModelRow):
        described = {"provider": row.provider, "model": row.model,
                     "baseUrl": row.base_url, "apiKey": secret}
    else:
        described = {"type": row.type, "endpoint": row.endpoint,
                     "config": row.config or {}, "credentials": secret}
    if not resolve and ref:
        described["secretRef"] = ref
    return described


def secret_values(services: Mapping[str, Any]) -> Iterator[str]:
    """The resolved secret values in STRONGLY_SERVICES (Any: JSON): what must be masked
    wherever text leaves a run (errors, logs, outputs)."""
    for key, field in SECRET_FIELDS.items():
        for described in (services.get(key) or {}).values():
            value = described.get(field) if isinstance(described, Mapping) else None
            if isinstance(value, str) and value:
                yield value


MASK = "[secret]"


def mask(value: Any, secrets: tuple[str, ...]) -> Any:
    """`value` with every occurrence of each secret replaced by MASK, in strings nested in
    lists, tuples and dicts (Any: JSON-like values). Longest secrets first, so a secret that
    contains another is masked whole."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return value
    if isinstance(value, list | tuple):
        return type(value)(mask(item, secrets) for item in value)
    if isinstance(value, dict):
        return {mask(k, secrets): mask(v, secrets) for k, v in value.items()}
    return value


def services_from_env(
    workflow_id: int, environ: dict[str, str] | None = None
) -> dict[str, Any] | None:
    """The STRONGLY_SERVICES a deployed worker was started with (Any: JSON), when it was
    deployed for this workflow (`FLOWPLANE_WORKFLOW_ID`); otherwise None: build them."""
    env = os.environ if environ is None else environ
    raw = env.get(ENV_VAR)
    if not raw or env.get(WORKFLOW_ENV_VAR) != str(workflow_id):
        return None
    return fill_from_env(dict(json.loads(raw)), env)
