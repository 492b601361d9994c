"""Settings read from the environment (FLOWPLANE_* plus DATABASE_URL / REDIS_URL)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class Settings(BaseModel):
    model_config = {"frozen": True}

    # No default server: a command that needs one and finds none says so (flowplane.runtime).
    database_url: str = ""
    redis_url: str = ""
    # Where webhook URLs point: the public address of the API.
    public_url: str = "http://127.0.0.1:8000"
    dev_mode: bool = False
    # Largest workflow definition (canonical JSON) accepted by the API and the sync.
    max_definition_bytes: int = 256 * 1024
    max_request_bytes: int = 1024 * 1024
    execution_retention_days: int = 30
    event_retention_hours: int = 72
    # Kubernetes: a kubeconfig path, "in-cluster", or empty for the local provisioner.
    kubeconfig: str = ""
    base_image: str = "ghcr.io/flowplane/flowplane:latest"
    gpu_node_label: str = "nvidia.com/gpu.product"
    ai_gateway_url: str = "http://ai-gateway.flowplane.svc:8080/v1"
    worker_poll_delay: float = Field(default=0.01, ge=0.0)
    # Events buffered per subscription before its client counts as lagging (subscriptions).
    subscriber_queue_size: int = Field(default=256, ge=1)
    # Engine (added by the engine area): a running execution's lease, renewed by its worker
    # every third of it; the sweeper re-dispatches executions whose lease expired.
    execution_lease_seconds: float = Field(default=30.0, gt=0)
    sweep_interval_seconds: float = Field(default=5.0, gt=0)
    # A pending execution younger than this is not re-dispatched (its enqueue may be in flight).
    dispatch_grace_seconds: float = Field(default=10.0, ge=0)
    # Deprecated (one release): `{secret: {name, key}}` resolves to the file <dir>/<name>/<key>.
    secrets_dir: str = "/var/run/flowplane/secrets"
    # The master key of the secret store (URL-safe base64 of 32 bytes): it wraps each
    # organization's data key. `flowplane dev` keeps one in .flowplane/secret-key.
    secret_key: SecretStr = SecretStr("")
    # Operator references, per organization slug (`acme=ACME_,globex=GLOBEX_`): `{env: X}`
    # resolves only for X starting with the organization's prefix, `{file: X}` only under its
    # directory (`acme=/srv/flowplane/acme`). Unset: refused (dev mode allows both freely).
    env_ref_prefixes: str = ""
    file_ref_dirs: str = ""
    # A scheduler that was down fires only the latest missed slot, if within this window.
    schedule_catchup_seconds: float = Field(default=3600.0, ge=0)
    max_span_output_bytes: int = Field(default=64 * 1024, ge=1024)
    # Deployments (deploy area): one still PROGRESSING after this long is marked FAILED.
    deploy_timeout_seconds: float = Field(default=600.0, gt=0)
    # Every deployed workflow's phase is re-read this often (PROGRESSING ones every second).
    deployment_resync_seconds: float = Field(default=10.0, gt=0)
    # Autoscaling (`autoscale: {min, max}`, docs/observability.md): the Prometheus that
    # scrapes the scheduler's flowplane_queue_depth, as KEDA in the cluster reaches it (empty:
    # an autoscaled deploy onto Kubernetes fails with reason AutoscaleUnconfigured), and the
    # largest `max` a workflow may ask for.
    prometheus_url: str = ""
    autoscale_max_replicas: int = Field(default=20, ge=1)
    # Dockerfile environments are built in the cluster by `builder_image` and pushed to
    # `build_registry` (empty: they cannot be built, only image / baseImage environments work).
    build_registry: str = ""
    builder_image: str = "gcr.io/kaniko-project/executor:v1.23.2"
    # The sync's push webhook takes a secret per organization: FLOWPLANE_SYNC_WEBHOOK_SECRET_REF_
    # <SLUG> (domain.sync_webhooks), not a setting shared by every organization.
    # Egress guard (domain.egress): host names, addresses and CIDRs nodes may reach although
    # they are loopback, private or link-local; FLOWPLANE_EGRESS_ALLOW_<SLUG> adds per org.
    egress_allow: str = ""
    # http.request: the largest response body a node may read (its maxResponseBytes is capped
    # by this); the rest is refused or cut off, never held in memory.
    http_max_response_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # Signed workflow webhooks: a delivery's `t=` may be this far from the database's clock.
    webhook_tolerance_seconds: float = Field(default=300.0, gt=0)
    # `python` nodes: their child process runs in bubblewrap (`bwrap`, required: without it a
    # python node fails), in bubblewrap where it works and else a scrubbed child with a loud
    # warning (`auto`, what `flowplane dev` uses), or as a scrubbed child only (`off`).
    sandbox: Literal["bwrap", "auto", "off"] = "bwrap"
    # Network of the sandbox: `none` (a loopback of its own, nothing else), or `egress` (also
    # out through the worker's proxy, which enforces the egress guard; engine.sandbox).
    sandbox_network: Literal["none", "egress"] = "none"
    python_timeout_seconds: float = Field(default=60.0, gt=0)
    python_max_timeout_seconds: float = Field(default=900.0, gt=0)
    python_memory_mb: int = Field(default=256, ge=32)
    python_max_memory_mb: int = Field(default=4096, ge=32)
    # Warm python guests (engine.sandbox.warm): how many sandboxed interpreters a worker
    # process keeps started ahead of their workflow's next python node (one per workflow at
    # most; 0: none), and how long one waits unused before it is stopped.
    python_warm_guests: int = Field(default=8, ge=0)
    python_warm_idle_seconds: float = Field(default=120.0, gt=0)
    # Environments' python packages install from wheels only unless this allows source
    # distributions (their build scripts run arbitrary code at install time).
    python_source_builds: bool = False
    # Plugin node types installed in the base image (comma-separated type names): what the
    # `custom` environment, and environments of python packages on it, provide beyond the
    # built-ins on Kubernetes. Local workers run this interpreter and provide every type.
    base_image_node_types: str = ""
    # Without a cluster: where environments' packages are installed, one directory per
    # organization and content (domain.python_envs).
    python_envs_dir: str = "~/.cache/flowplane/python-envs"
    # Console: how long the API token a one-time sign-in link is exchanged for stays valid.
    console_session_hours: float = Field(default=12.0, gt=0)
    # Connections one organization's worker role may hold at once (all its workers together).
    tenant_connection_limit: int = Field(default=40, ge=1)
    # Observability (docs/observability.md). The worker, scheduler, local-workers and sync
    # serve their metrics on this port (0: off; the API serves /metrics on its own port);
    # with a token set, every scrape must send `Authorization: Bearer <token>`.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    metrics_token: str = ""
    # How often the scheduler samples the queue and deployment gauges.
    metrics_sample_seconds: float = Field(default=5.0, gt=0)
    # One JSON object per log line ("json"), or the readable lines of `flowplane dev` ("text").
    log_format: Literal["json", "text"] = "json"


_ENV = {
    "database_url": "DATABASE_URL",
    "redis_url": "REDIS_URL",
}


def env_name(field: str) -> str:
    """The environment variable that sets a field of `Settings`."""
    return _ENV.get(field, f"FLOWPLANE_{field.upper()}")


def settings_from_env(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from DATABASE_URL, REDIS_URL and FLOWPLANE_<FIELD> variables."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, str] = {}
    for name in Settings.model_fields:
        key = env_name(name)
        if key in env and env[key] != "":
            values[name] = env[key]
    return Settings.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_env()
