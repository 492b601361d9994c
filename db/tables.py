"""Every table of Flowplane. Singular nouns; rows are the source of truth for the whole product.

Secret values live here only encrypted (`secret`, under the organization's data key in
`organization_key`, see domain.secret_store); data sources, add-ons and models keep
*references* to secrets (`{"secret": NAME}`, `{"k8sSecret": ...}`, ...), resolved at run
time. Deleting a workflow cascades to its revisions, shares, status history, executions, spans,
logs, summaries, schedule slots and events.
"""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    Array,
    BigInt,
    Boolean,
    Bytea,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.constraints import Check, Unique
from piccolo.table import Table


class Organization(Table):
    id: Serial
    slug = Varchar(length=63, unique=True)
    name = Text()
    # Lets API edits override git-managed workflows (sync then reports the drift).
    allow_git_overrides = Boolean(default=False)
    max_connections_per_user = Integer(default=10)
    max_subscriptions_per_connection = Integer(default=20)
    created_at = Timestamptz(default=TimestamptzNow())


class AppUser(Table, tablename="app_user"):
    id: Serial
    handle = Varchar(length=63, unique=True)
    display_name = Text(default="")
    email = Text(default="")
    # Service principals (the git sync of one organization) are users that cannot log in.
    is_service = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())


class Membership(Table):
    id: Serial
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=False, index=True)
    user = ForeignKey(AppUser, on_delete=OnDelete.cascade, null=False, index=True)
    role = Varchar(length=16, default="member")
    created_at = Timestamptz(default=TimestamptzNow())

    membership_unique = Unique([organization, user])
    membership_role = Check("role IN ('admin', 'member')")


class ApiToken(Table):
    id: Serial
    user = ForeignKey(AppUser, on_delete=OnDelete.cascade, null=False, index=True)
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=True)
    name = Text(default="")
    # sha256 of the token; the token itself is shown once and never stored.
    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=16)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)


class SignInCode(Table):
    """A one-time console sign-in code (the link `flowplane dev` prints): only its sha256 is
    stored; it is good for minutes and redeemed at most once for an API token."""

    id: Serial
    user = ForeignKey(AppUser, on_delete=OnDelete.cascade, null=False, index=True)
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=False)
    code_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class Environment(Table):
    id: Serial
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=False, index=True)
    name = Varchar(length=63)
    description = Text(default="")
    image = Text(null=True, default=None)
    dockerfile = Text(null=True, default=None)
    base_image = Text(null=True, default=None)
    python = JSONB(null=True, default=None)  # {version?, packages}: installed on the base
    build_status = Varchar(length=16, default="none")
    build_error = Text(null=True, default=None)
    built_image = Text(null=True, default=None)
    build_log = Text(null=True, default=None)  # the installer's output, its tail when long
    node_types = JSONB(null=True, default=None)  # plugin node types its image provides
    # The cursor of the environment's event stream (domain.events).
    event_seq = BigInt(default=0)
    managed_by = Varchar(length=8, default="api")
    source_path = Text(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())

    environment_name_unique = Unique([organization, name])
    environment_build_status = Check("build_status IN ('none', 'building', 'ready', 'failed')")


class DataSource(Table):
    id: Serial
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=False, index=True)
    name = Varchar(length=63)
    type = Varchar(length=32)
    # Connection settings (host, port, database, user, ...): never a secret value.
    config = JSONB(default={})
    secret_ref = JSONB(null=True, default=None)
    managed_by = Varchar(length=8, default="api")
    source_path = Text(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())

    data_source_name_unique = Unique([organization, name])


class AddOn(Table):
    id: Serial
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=False, index=True)
    name = Varchar(length=63)
    type = Varchar(length=32)
    endpoint = Text(default="")
    config = JSONB(default={})
    secret_ref = JSONB(null=True, default=None)
    managed_by = Varchar(length=8, default="api")
    source_path = Text(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())

    add_on_name_unique = Unique([organization, name])


class AiModel(Table):
    id: Serial
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=False, index=True)
    name = Varchar(length=63)
    provider = Varchar(length=32, default="openai")
    model = Text()
    base_url = Text(null=True, default=None)
    config = JSONB(default={})
    secret_ref = JSONB(null=True, default=None)
    managed_by = Varchar(length=8, default="api")
    source_path = Text(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())

    ai_model_name_unique = Unique([organization, name])


class Workflow(Table):
    id: Serial
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=False, index=True)
    name = Varchar(length=63)
    description = Text(default="")
    status = Varchar(length=16, default="draft", index=True)
    # Counts saves of the definition; lifecycle changes are status history, not versions.
    version = Integer(default=1)
    owner = ForeignKey(AppUser, on_delete=OnDelete.restrict, null=False, index=True)
    is_public = Boolean(default=False)
    is_template = Boolean(default=False)
    template: ForeignKey[Workflow] = ForeignKey(
        "self", on_delete=OnDelete.set_null, null=True, default=None
    )
    cloned_from: ForeignKey[Workflow] = ForeignKey(
        "self", on_delete=OnDelete.set_null, null=True, default=None
    )
    tags = Array(base_column=Text(), default=[])
    nodes = JSONB(default=[])
    connections = JSONB(default=[])
    settings = JSONB(default={})
    trigger = JSONB(default={"type": "manual"})
    deployment_settings = JSONB(null=True, default=None)
    # The cursor of the workflow's event stream (domain.events).
    event_seq = BigInt(default=0)
    webhook_token = Varchar(length=64, null=True, default=None, unique=True)
    # Deployment metadata of the seed; cleared on undeploy.
    deployment_environment_id = Text(null=True, default=None)
    deployment_cpu = DoublePrecision(null=True, default=None)
    deployment_memory = Text(null=True, default=None)
    deployment_disk = Text(null=True, default=None)
    deployment_gpu = Integer(null=True, default=None)
    deployment_gpu_type = Text(null=True, default=None)
    deployment_namespace = Text(null=True, default=None)
    deployment_name = Text(null=True, default=None)
    deployment_pod_name = Text(null=True, default=None)
    deployment_phase = Varchar(length=16, null=True, default=None)
    deployment_error = Text(null=True, default=None)
    # Why FAILED, or what a PROGRESSING deployment waits on ("Unschedulable"); a short code.
    deployment_reason = Text(null=True, default=None)
    deployed_at = Timestamptz(null=True, default=None)
    deployment_phase_changed_at = Timestamptz(null=True, default=None)  # database clock
    # Digest of what the deployment rendered, secret values left out (domain/redeploys.py).
    deployment_fingerprint = Text(null=True, default=None)
    # Replica bounds its KEDA ScaledObject applies; null: one fixed worker (the default).
    deployment_autoscale_min = Integer(null=True, default=None)
    deployment_autoscale_max = Integer(null=True, default=None)
    # Git-managed workflows: where they came from and the hash of their definition.
    managed_by = Varchar(length=8, default="api")
    source_path = Text(null=True, default=None)
    source_commit = Varchar(length=64, null=True, default=None)
    content_hash = Varchar(length=64, null=True, default=None)
    sync_status = Varchar(length=16, null=True, default=None)
    sync_error = Text(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())

    workflow_name_unique = Unique([organization, name])
    workflow_status = Check("status IN ('draft', 'active', 'paused', 'archived')")
    workflow_managed_by = Check("managed_by IN ('api', 'git')")


class WorkflowShare(Table):
    """The seed's `sharedWith` set: one row per (workflow, user)."""

    id: Serial
    workflow = ForeignKey(Workflow, on_delete=OnDelete.cascade, null=False, index=True)
    user = ForeignKey(AppUser, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz(default=TimestamptzNow())

    workflow_share_unique = Unique([workflow, user])


class WorkflowRevision(Table):
    id: Serial
    workflow = ForeignKey(Workflow, on_delete=OnDelete.cascade, null=False, index=True)
    version = Integer()
    definition = JSONB()
    author = ForeignKey(AppUser, on_delete=OnDelete.set_null, null=True, default=None)
    source = Varchar(length=8, default="api")
    source_commit = Varchar(length=64, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())

    workflow_revision_unique = Unique([workflow, version])


class WorkflowStatusHistory(Table):
    id: Serial
    workflow = ForeignKey(Workflow, on_delete=OnDelete.cascade, null=False, index=True)
    from_status = Varchar(length=16, null=True, default=None)
    to_status = Varchar(length=16)
    reason = Text(default="")
    actor = ForeignKey(AppUser, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Execution(Table):
    id: Serial
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=False, index=True)
    workflow = ForeignKey(Workflow, on_delete=OnDelete.cascade, null=False, index=True)
    status = Varchar(length=16, default="pending", index=True)
    trigger_type = Varchar(length=16, default="manual")
    triggered_by = ForeignKey(AppUser, on_delete=OnDelete.set_null, null=True, default=None)
    input = JSONB(default={})
    workflow_version = Integer()
    # Snapshot of the definition the execution runs, so later saves do not change it.
    definition = JSONB()
    attempt = Integer(default=0)
    max_attempts = Integer(default=3)
    # Fencing: a worker writes only while it holds the current generation.
    dispatch_generation = Integer(default=0)
    queue_name = Text(default="")
    # When (database clock) this generation's job was enqueued; NULL while the execution is
    # parked waiting for a concurrency slot (the sweeper leaves parked executions alone).
    dispatched_at = Timestamptz(null=True, default=None)
    worker_id = Text(null=True, default=None)
    lease_expires_at = Timestamptz(null=True, default=None)
    next_attempt_at = Timestamptz(null=True, default=None)
    cancel_requested = Boolean(default=False)
    error = Text(null=True, default=None)
    outputs = JSONB(default={})
    retry_of: ForeignKey[Execution] = ForeignKey(
        "self", on_delete=OnDelete.set_null, null=True, default=None
    )
    retry_from = Varchar(length=16, null=True, default=None)
    idempotency_key = Text(null=True, default=None)
    # Per-execution event sequence, taken under the row lock (cursors of subscriptions).
    event_seq = BigInt(default=0)
    # The feed key of its last event (domain.events); kept by a trigger (migrations).
    event_ftx = BigInt(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    started_at = Timestamptz(null=True, default=None)
    ended_at = Timestamptz(null=True, default=None)
    duration_ms = BigInt(null=True, default=None)
    # Observability: the execution's OpenTelemetry trace id, and the `traceparent` of what
    # started it (an API request, a schedule fire), which its trace links to.
    trace_id = Text(null=True, default=None)
    traceparent = Text(null=True, default=None)

    execution_status = Check(
        "status IN ('pending', 'running', 'completed', 'failed', 'cancelled')"
    )
    execution_idempotency_unique = Unique([workflow, idempotency_key])


class ExecutionTally(Table):
    """A shard of a workflow's execution count (domain.execution_counts): the count is the sum
    of its shards; `shard` is the database session that counted (0: folded)."""

    id: Serial
    workflow = ForeignKey(Workflow, on_delete=OnDelete.cascade, null=False)
    shard = Integer(default=0)
    n = BigInt(default=0)

    execution_tally_unique = Unique([workflow, shard])


class ExecutionSpan(Table):
    """A span tree per execution: execution -> attempt -> node."""

    id: Serial
    execution = ForeignKey(Execution, on_delete=OnDelete.cascade, null=False, index=True)
    parent: ForeignKey[ExecutionSpan] = ForeignKey(
        "self", on_delete=OnDelete.cascade, null=True, default=None
    )
    kind = Varchar(length=16, default="node")
    node_id = Text(null=True, default=None)
    attempt = Integer(default=1)
    status = Varchar(length=16, default="running")
    started_at = Timestamptz(default=TimestamptzNow())
    ended_at = Timestamptz(null=True, default=None)
    duration_ms = BigInt(null=True, default=None)
    output = JSONB(null=True, default=None)
    output_truncated = Boolean(default=False)
    error = Text(null=True, default=None)


class ExecutionLog(Table):
    id: Serial
    execution = ForeignKey(Execution, on_delete=OnDelete.cascade, null=False, index=True)
    span = ForeignKey(ExecutionSpan, on_delete=OnDelete.cascade, null=True, default=None)
    node_id = Text(null=True, default=None)
    level = Varchar(length=8, default="info")
    message = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class ExecutionSummary(Table):
    """The fast list table of the seed, updated with every execution status change."""

    id: Serial
    execution = ForeignKey(Execution, on_delete=OnDelete.cascade, null=False, unique=True)
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=False)
    workflow = ForeignKey(Workflow, on_delete=OnDelete.cascade, null=False)
    status = Varchar(length=16)
    trigger_type = Varchar(length=16)
    triggered_by = ForeignKey(AppUser, on_delete=OnDelete.set_null, null=True, default=None)
    attempt = Integer(default=0)
    error = Text(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    started_at = Timestamptz(null=True, default=None)
    ended_at = Timestamptz(null=True, default=None)
    duration_ms = BigInt(null=True, default=None)


class Event(Table):
    """The event log that subscriptions read from; rows are announced with NOTIFY on commit
    (domain.events says how they are ordered)."""

    id: Serial
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=False)
    workflow = ForeignKey(Workflow, on_delete=OnDelete.cascade, null=True, default=None)
    execution = ForeignKey(Execution, on_delete=OnDelete.cascade, null=True, default=None)
    # Cursor within its entity's stream, taken from the entity row's `event_seq`.
    seq = BigInt(default=0)
    stream = Text()
    kind = Varchar(length=16)
    payload = JSONB(default={})
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    # The writing transaction (its default, pg_current_xact_id, set in the migration).
    tx = BigInt(default=0)
    # With `id`, the position in the feeds: greatest(tx, its execution's last event's ftx),
    # set by a trigger (migrations; domain.events says why).
    ftx = BigInt(default=0)
    # Also on the execution's workflow and organization feeds (creations, status changes).
    feed = Boolean(default=False)

    event_stream_seq_unique = Unique([stream, seq])


class EventHorizon(Table):
    """One row: the last feed position retention deleted; feed cursors before it expired."""

    id = Integer(primary_key=True)
    ftx = BigInt()
    event = BigInt()


class ScheduleSlot(Table):
    """A fired cron slot: the unique key makes two schedulers fire each slot once."""

    id: Serial
    workflow = ForeignKey(Workflow, on_delete=OnDelete.cascade, null=False)
    slot_at = Timestamptz()
    execution = ForeignKey(Execution, on_delete=OnDelete.set_null, null=True, default=None)
    fired_at = Timestamptz(default=TimestamptzNow())

    schedule_slot_unique = Unique([workflow, slot_at])


class SyncRun(Table):
    id: Serial
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=False, index=True)
    repo = Text()
    branch = Text(default="main")
    commit = Varchar(length=64, null=True, default=None)
    status = Varchar(length=16, default="running")
    dry_run = Boolean(default=False)
    counts = JSONB(default={})
    plan = JSONB(default=[])
    error = Text(null=True, default=None)
    started_at = Timestamptz(default=TimestamptzNow())
    ended_at = Timestamptz(null=True, default=None)


class SyncFileResult(Table):
    id: Serial
    sync_run = ForeignKey(SyncRun, on_delete=OnDelete.cascade, null=False, index=True)
    path = Text()
    kind = Varchar(length=32, null=True, default=None)
    name = Text(null=True, default=None)
    action = Varchar(length=16)
    status = Varchar(length=16)
    error = Text(null=True, default=None)
    line = Integer(null=True, default=None)
    column = Integer(null=True, default=None)


class WebhookReceipt(Table):
    """A delivery a webhook already accepted, to refuse it when it comes again: a signature
    of a workflow webhook (`source` "signature", `key` its sha256) within the tolerance
    window, or a git host's delivery id (`source` "delivery"). Old rows are pruned as new ones
    arrive."""

    id: Serial
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=False)
    source = Varchar(length=16)
    key = Varchar(length=128)
    received_at = Timestamptz(default=TimestamptzNow(), index=True)
    webhook_receipt_unique = Unique([organization, source, key])


class TenantCredential(Table):
    """The credentials of an organization's workers: its PostgreSQL role (row-level security
    keeps it to the organization's rows) and its Redis ACL user (limited to its keys). Only
    platform processes read this table; a worker is handed its own row's values."""

    id: Serial
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=False, unique=True)
    db_role = Varchar(length=63, unique=True)
    db_password = Text()
    redis_user = Varchar(length=63, unique=True)
    redis_password = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class OrganizationKey(Table):
    """An organization's data key, AES-GCM-wrapped by the master key (FLOWPLANE_SECRET_KEY);
    its secrets are encrypted under the data key, never under the master key."""

    id: Serial
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=False, unique=True)
    wrapped_key = Bytea()
    created_at = Timestamptz(default=TimestamptzNow())
    rotated_at = Timestamptz(null=True, default=None)


class Secret(Table):
    """A value an organization stores: only its ciphertext (nonce + AES-GCM, bound to the
    organization and the name)."""

    id: Serial
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, null=False, index=True)
    name = Varchar(length=63)
    ciphertext = Bytea()
    # NULL: set by an operator (`flowplane secret set`), or by a user since deleted.
    set_by = ForeignKey(AppUser, on_delete=OnDelete.set_null, null=True, default=None)
    set_at = Timestamptz(default=TimestamptzNow())
    # 1 when first set, +1 on each change of the value.
    version = Integer(default=1)

    secret_name_unique = Unique([organization, name])


TABLES: list[type[Table]] = [
    Organization, AppUser, Membership, ApiToken, SignInCode, Environment, DataSource, AddOn,
    AiModel, Workflow, WorkflowShare, WorkflowRevision, WorkflowStatusHistory, Execution,
    ExecutionTally, ExecutionSpan, ExecutionLog, ExecutionSummary, Event, EventHorizon,
    ScheduleSlot, SyncRun, SyncFileResult, WebhookReceipt, TenantCredential, OrganizationKey,
    Secret,
]
