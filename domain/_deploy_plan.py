"""Everything a deploy checks before it touches a cluster or a row, as one pure-ish step.

The workflow definition with the chosen deployment settings must be valid and under the
maximum size; every data source, add-on and model the nodes name must exist with resolvable
secrets; the environment must be usable. All problems are reported together. The result is
the `DeploymentRequest` for the provisioner: it carries STRONGLY_SERVICES with resolved secret
values and the organization's worker credentials, so it is handed to the provisioner and never
stored or logged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from redis.exceptions import RedisError

from db.tenant_roles import TenantRoleError
from deploy.autoscale import Autoscale
from deploy.builds import KubernetesImageBuilder
from deploy.model import DeploymentRequest
from domain._sql import fetch_one
from domain._workflow_store import stored_definition, stored_hash
from domain.dispatch import WORKER_MAX_JOBS, workflow_queue
from domain.egress import deployment_egress
from domain.environment_node_types import node_type_problems
from domain.environments import EnvironmentNotReady, environment_image
from domain.errors import DomainError, InvalidInput
from domain.rows import WorkflowRow
from domain.secret_store import checksum_key
from domain.services import UnresolvedReference, build_services
from domain.settings import get_settings
from domain.spec._issues import validate_model
from domain.spec.definition import WorkflowDefinition, validate_definition
from domain.spec.errors import SpecError, format_loc
from domain.spec.model import DeploymentSettings
from domain.worker_credentials import ensure_worker_credentials


class DeploymentFailed(DomainError):
    """A deploy or undeploy that did not happen; `reason` is a short code ("MissingReference",
    "EnvironmentNotReady", "NodeTypeNotProvided", or a provisioner reason such as "Forbidden",
    "QuotaExceeded")."""

    def __init__(
        self, reason: str, message: str, problems: list[str] | None = None,
        *, retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.problems = problems or [message]
        self.retryable = retryable


class EnvironmentBuilding(DeploymentFailed):
    """Nothing stands in the deploy's way but its environment's build, which is under way:
    `domain.deployments` records the deploy as waiting for it."""

    def __init__(self, environment: str, message: str) -> None:
        super().__init__("EnvironmentNotReady", f"cannot deploy: {message}", retryable=True)
        self.environment = environment
        self.detail = message


@dataclass(frozen=True)
class DeployPlan:
    definition: WorkflowDefinition  # the stored one, with the chosen deployment settings
    settings_changed: bool  # the deployment settings differ from the saved ones
    request: DeploymentRequest

    @property
    def settings(self) -> DeploymentSettings:
        return self.definition.deployment


def chosen_definition(
    row: WorkflowRow, settings: DeploymentSettings | None
) -> WorkflowDefinition:
    """The stored definition with `settings` (None: the kept ones), validated like a save."""
    data = stored_definition(row)
    if settings is not None:
        data["deployment"] = settings.model_dump(mode="json", by_alias=True)
    definition, errors = validate_definition(data, get_settings().max_definition_bytes)
    if definition is not None:
        errors = [dataclasses.replace(e, field=f"deployment.{e.field}")
                  for e in autoscale_issues(definition.deployment)]
        definition = None if errors else definition
    if definition is None:
        problems = "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors)
        raise InvalidInput(f"the workflow cannot be deployed: {problems}", list(errors))
    return definition


async def plan_deploy(
    row: WorkflowRow,
    settings: DeploymentSettings | None,
    builder: KubernetesImageBuilder | None,
) -> DeployPlan:
    """Check everything (raises InvalidInput / DeploymentFailed); writes nothing (except
    starting an environment's image build and creating the organization's worker
    credentials on its first deploy)."""
    definition = chosen_definition(row, settings)
    changed = definition.content_hash() != stored_hash(row)
    organization_id = row.organization
    missing: list[str] = []
    services: dict[str, Any] = {}
    # On Kubernetes, {k8sSecret} references are wired into the pod, never read here.
    pod_secrets: dict[str, tuple[str, str]] | None = (
        {} if get_settings().kubeconfig else None)
    try:
        services = await build_services(organization_id, definition.to_json()["nodes"],
                                        pod_secrets=pod_secrets)
    except UnresolvedReference as error:
        missing = error.problems
    unprovided = await node_type_problems(
        organization_id, definition.deployment.environment, definition.to_json()["nodes"])
    image, unusable = "", []
    try:  # not when the deploy is refused anyway: it might start a build for nothing
        image = "" if unprovided else await environment_image(
            organization_id, definition.deployment.environment, builder)
    except EnvironmentNotReady as error:
        if error.building and not missing:
            raise EnvironmentBuilding(error.environment, str(error)) from error
        unusable = [str(error)]
    if missing or unusable or unprovided:
        reason = ("MissingReference" if missing else "EnvironmentNotReady" if unusable
                  else "NodeTypeNotProvided")
        problems = missing + unusable + unprovided
        raise DeploymentFailed(reason, "cannot deploy: " + "; ".join(problems), problems)
    request = await _request(row, definition.deployment, services, image, pod_secrets or {})
    if request.autoscale is not None and get_settings().kubeconfig:
        _check_autoscale_configured()
    return DeployPlan(definition=definition, settings_changed=changed, request=request)


async def _request(
    row: WorkflowRow, chosen: DeploymentSettings, services: dict[str, Any], image: str,
    pod_secrets: dict[str, tuple[str, str]],
) -> DeploymentRequest:
    org = await fetch_one("SELECT slug FROM organization WHERE id = $1", row.organization)
    assert org is not None  # the workflow's foreign key
    egress_env, egress_cidrs = deployment_egress(str(org["slug"]))
    # The pod's Secret gets the organization's worker credentials, never the platform's
    # DATABASE_URL / REDIS_URL (docs/security.md).
    try:
        credentials = await ensure_worker_credentials(row.organization)
    except TenantRoleError as error:
        raise DeploymentFailed("WorkerCredentials", f"cannot deploy: {error}") from error
    except (OSError, RedisError) as error:
        raise DeploymentFailed("WorkerCredentials", "cannot deploy: the organization's worker "
                               f"credentials could not be set up in Redis: {error}",
                               retryable=True) from error
    return DeploymentRequest(
        organization_id=row.organization,
        organization_slug=str(org["slug"]),
        workflow_id=row.id,
        workflow_name=row.name,
        queue_name=workflow_queue(row.organization, row.id),
        image=image,
        cpu=chosen.cpu,
        memory=chosen.memory,
        disk=chosen.disk,
        gpu=chosen.gpu,
        gpu_type=chosen.gpu_type,
        services=services,
        env={**credentials.env(), **egress_env},
        egress_cidrs=egress_cidrs,
        secret_refs=pod_secrets,
        autoscale=None if chosen.autoscale is None else Autoscale(
            chosen.autoscale.minimum, chosen.autoscale.maximum, get_settings().prometheus_url,
            jobs_per_worker=WORKER_MAX_JOBS),
        checksum_key=checksum_key(),
    )


def _check_autoscale_configured() -> None:
    """KEDA reads the queue depth from the operator's Prometheus: without its URL no
    ScaledObject could work, so the deploy fails before anything is applied."""
    url = get_settings().prometheus_url
    if not url:
        raise DeploymentFailed(
            "AutoscaleUnconfigured", "cannot deploy with autoscale: FLOWPLANE_PROMETHEUS_URL is "
            "not set (the Prometheus that scrapes the scheduler's flowplane_queue_depth, as "
            "KEDA in the cluster reaches it); set it or deploy without autoscale")
    if not url.startswith(("http://", "https://")):
        raise DeploymentFailed(
            "AutoscaleUnconfigured", f"cannot deploy with autoscale: FLOWPLANE_PROMETHEUS_URL "
            f"{url!r} is not an http(s) URL")


def autoscale_issues(settings: DeploymentSettings) -> list[SpecError]:
    """What the operator's limits refuse of valid settings (FLOWPLANE_AUTOSCALE_MAX_REPLICAS)."""
    cap = get_settings().autoscale_max_replicas
    if settings.autoscale is None or settings.autoscale.maximum <= cap:
        return []
    return [SpecError(None, None, None, "autoscale.max",
                      f"must be at most {cap} (the operator's limit, "
                      f"FLOWPLANE_AUTOSCALE_MAX_REPLICAS), got {settings.autoscale.maximum}")]


def parse_deployment_settings(data: Mapping[str, Any]) -> DeploymentSettings:
    """Deployment settings from camelCase JSON (Any: input values); InvalidInput otherwise."""
    settings, issues = validate_model(DeploymentSettings, dict(data))
    errors = [SpecError(None, None, None, format_loc(loc), message) for loc, message in issues]
    if settings is not None:
        errors = autoscale_issues(settings)
    if errors:
        raise InvalidInput(errors[0].message if len(errors) == 1 else
                           f"the deployment settings have {len(errors)} problems", list(errors))
    assert settings is not None  # no errors
    return settings
