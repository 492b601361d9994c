"""Every Prometheus metric Flowplane exports, in one place: `docs/observability.md` lists them
and a test compares that table with this module, so the docs cannot drift.

Label values come from small fixed sets (operation types, statuses, trigger types, node
types, sync actions, deployment phases and reasons) or from the queues of deployed workflows;
never an execution, span or user id. Each process exports the metrics it moves: the API its
requests and websockets, workers their executions and nodes, the scheduler its fires, sweeps
and the sampled gauges (queue depth, deployments), the sync daemon its runs.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Seconds: from a few milliseconds (instant nodes) to the longest runs people schedule.
RUN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900,
               1800, 3600)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)

# -- API ----------------------------------------------------------------------------------
GRAPHQL_REQUESTS = Counter(
    "flowplane_graphql_requests", "GraphQL operations executed, by operation type and result "
    "(ok, or error when the response carries errors).", ["operation", "result"])
GRAPHQL_DURATION = Histogram(
    "flowplane_graphql_request_duration_seconds", "Time to execute a GraphQL query or "
    "mutation (subscriptions are counted, not timed).", ["operation"])
WEBSOCKETS = Gauge(
    "flowplane_websocket_connections", "Open GraphQL websocket connections of this API "
    "process.", multiprocess_mode="livesum")
SUBSCRIPTIONS = Gauge(
    "flowplane_subscriptions", "Active GraphQL subscriptions of this API process.",
    multiprocess_mode="livesum")
SUBSCRIPTION_EVENTS = Counter(
    "flowplane_subscription_event_results", "Subscription items that stand for a logged "
    "event, by how their result was made: executed (once per event and group of subscribers "
    "with the same document, variables and caller) or shared (another subscriber's result, "
    "same bytes).", ["outcome"])
FANOUT_LAG = Histogram(
    "flowplane_event_fanout_lag_seconds", "From an event's commit (database clock) to its "
    "delivery to this process's subscribers (local clock).", buckets=LATENCY_BUCKETS)
WATERMARK_LAG = Gauge(
    "flowplane_event_watermark_lag_seconds", "How long the oldest committed feed event this "
    "process was told of has waited for the watermark (a transaction still open anywhere on "
    "the PostgreSQL server holds every feed back); 0 when none waits.",
    multiprocess_mode="max")

# -- Engine -------------------------------------------------------------------------------
EXECUTIONS_STARTED = Counter(
    "flowplane_executions_started", "Executions a worker started (first claim; a takeover "
    "is counted apart).", ["trigger_type"])
EXECUTIONS_FINISHED = Counter(
    "flowplane_executions_finished", "Executions a worker ended, by final status and trigger "
    "type (a pending execution cancelled through the API never reached one).",
    ["status", "trigger_type"])
EXECUTION_DURATION = Histogram(
    "flowplane_execution_duration_seconds", "From an execution's start to its end (database "
    "clock), by final status.", ["status"], buckets=RUN_BUCKETS)
START_LATENCY = Histogram(
    "flowplane_execution_start_latency_seconds", "From an execution's trigger (its creation) "
    "to its first claim by a worker (database clock), by trigger type.", ["trigger_type"],
    buckets=LATENCY_BUCKETS)
ATTEMPTS = Counter(
    "flowplane_execution_attempts", "Attempts started (the first one included).")
RETRIES = Counter(
    "flowplane_execution_retries", "Attempts started again after a failed one (maxAttempts).")
NODE_RUNS = Counter(
    "flowplane_node_runs", "Node tries finished, by node type and status.",
    ["node_type", "status"])
NODE_DURATION = Histogram(
    "flowplane_node_duration_seconds", "Time of one node try, by node type.", ["node_type"],
    buckets=RUN_BUCKETS)
NODE_RETRIES = Counter(
    "flowplane_node_retries", "Node tries started again by the node's own retry policy.",
    ["node_type"])
PYTHON_GUESTS = Counter(
    "flowplane_python_guests", "Sandboxed guests that ran a python node, by whether the guest "
    "was started ahead of the run (warm) or for it (cold).", ["start"])
LEASE_TAKEOVERS = Counter(
    "flowplane_lease_takeovers", "Executions a worker took over from a lost one (its lease "
    "had expired).")
SWEEPER_RECOVERIES = Counter(
    "flowplane_sweeper_recoveries", "What the sweeper did: lost (running, worker lost, "
    "dispatched again), missing (pending, job lost, dispatched again), cancelled, picked_up "
    "(lease granted), released (concurrency slot), discarded (dead workers' leftover jobs).",
    ["action"])
QUEUE_DEPTH = Gauge(
    "flowplane_queue_depth", "Jobs in a queue, waiting or running (sampled by the "
    "scheduler): the figure to autoscale a workflow's workers on.", ["queue"],
    multiprocess_mode="livemostrecent")
QUEUE_OLDEST_AGE = Gauge(
    "flowplane_queue_oldest_job_age_seconds", "Age of the oldest job in a queue since its "
    "dispatch (0 when empty; sampled by the scheduler).", ["queue"],
    multiprocess_mode="livemostrecent")

# -- Scheduler ----------------------------------------------------------------------------
SCHEDULE_FIRES = Counter(
    "flowplane_schedule_fires", "Cron slots fired (each slot once, whichever scheduler).")
SCHEDULE_MISSED = Counter(
    "flowplane_schedule_missed_slots", "Cron slots skipped by the catch-up policy (older "
    "than the latest due slot, or outside the catch-up window).")
SCHEDULE_CAUGHT_UP = Counter(
    "flowplane_schedule_caught_up_slots", "Cron slots fired late (more than 5 s after their "
    "time), e.g. after the scheduler was down.")
SCHEDULE_LAG = Histogram(
    "flowplane_schedule_lag_seconds", "From a cron slot's time to its fire (database clock).",
    buckets=LATENCY_BUCKETS)

# -- Sync ---------------------------------------------------------------------------------
SYNC_RUNS = Counter(
    "flowplane_sync_runs", "Sync runs ended, by result (succeeded, invalid, partial, refused, "
    "failed).", ["result"])
SYNC_DURATION = Histogram(
    "flowplane_sync_run_duration_seconds", "Time of one sync run.", buckets=RUN_BUCKETS)
SYNC_FILES = Counter(
    "flowplane_sync_files", "Planned resource changes of sync runs, by action (create, "
    "update, deploy, undeploy, prune, ...; unchanged ones are not counted).", ["action"])
SYNC_INVALID = Counter(
    "flowplane_sync_invalid_files", "Errors found in workflows.d/ files by sync runs.")

# -- Deploy -------------------------------------------------------------------------------
DEPLOYMENTS = Gauge(
    "flowplane_deployments", "Deployed workflows by phase (sampled by the scheduler).",
    ["phase"], multiprocess_mode="livemostrecent")
DEPLOYMENT_FAILURES = Counter(
    "flowplane_deployment_failures", "Deployments that failed, by reason (Timeout, "
    "Unschedulable, ImagePullBackOff, ...; other reasons as Other).", ["reason"])
ENVIRONMENT_BUILDS = Counter(
    "flowplane_environment_builds", "Environment builds (images on Kubernetes, python "
    "package directories locally), by result (started, ready, failed).", ["result"])

# -- Traces -------------------------------------------------------------------------------
SPANS_EXPORTED = Counter(
    "flowplane_trace_spans", "Execution spans handed to the OpenTelemetry exporter.")
SPANS_DROPPED = Counter(
    "flowplane_trace_spans_dropped", "Spans dropped because the export queue was full or "
    "the collector refused them: export never slows an execution.")

_REASON_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def reason_label(reason: str | None) -> str:
    """A failure reason as a label value: the CamelCase reasons Kubernetes and the
    provisioners give are kept; anything else (free text) becomes Other, so the label set
    stays bounded."""
    if reason and len(reason) <= 40 and set(reason) <= _REASON_CHARS:
        return reason
    return "Other"


def reference() -> str:
    """The metric table of docs/observability.md, from the definitions above."""
    from prometheus_client.metrics import MetricWrapperBase

    lines = ["| metric | type | labels | meaning |", "|---|---|---|---|"]
    for metric in globals().values():
        if not isinstance(metric, MetricWrapperBase):
            continue
        family = next(iter(metric.describe()))
        name = f"{family.name}_total" if family.type == "counter" else family.name
        labels = ", ".join(f"`{label}`" for label in metric._labelnames) or "—"
        lines.append(f"| `{name}` | {family.type} | {labels} | {family.documentation} |")
    return "\n".join(lines) + "\n"
