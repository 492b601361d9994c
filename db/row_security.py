"""Row-level security: PostgreSQL itself keeps an organization's workers to its own rows.

Every table has RLS enabled *and forced* (so the owning platform role is held to policies
too) with two permissive policies: `flowplane_platform`, for the role that migrates (the
platform's), which sees everything; and `flowplane_tenant`, for everyone else, which sees
the rows of the organization whose worker role is logged in (`flowplane_org_of`, looked up in
`tenant_credential`) and nothing for any other role. Which rows an organization owns is
declared per table in `SCOPES`; `apply_row_security` refuses a table that is not declared,
so a new table cannot be left open. Privileges are granted to tenant roles only where a worker
needs them (`TENANT_GRANTS`).

Tables whose rows belong to an organization through a parent (spans and logs through their
execution; shares, revisions and status history through their workflow) use a policy that
looks the parent up instead of a copied `organization` column: every query of a worker names
the execution anyway, so the check is one primary-key probe, and a row can never disagree
with its parent about its organization.

Tenants cannot take advisory locks (EXECUTE on the lock-taking functions is revoked from
PUBLIC): the sync daemon, migrations and idempotent deliveries rely on them. A worker takes
the per-workflow concurrency lock through `flowplane_lock_workflow`, which refuses another
organization's workflow.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import asyncpg

log = logging.getLogger(__name__)
_ORG = "(SELECT flowplane_org_of(current_user))"


@dataclass(frozen=True)
class Scope:
    """How a table's rows belong to an organization: `using` selects a tenant's rows (None:
    no tenant ever sees a row); `check` adds what a tenant's writes must satisfy."""

    using: str | None
    check: str | None = None


def _via(parent: str, column: str) -> str:
    return f"EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {column} AND p.organization = {_ORG})"


_OWN = f"organization = {_ORG}"
_OWN_EXECUTION = _via("execution", "execution")
_OWN_WORKFLOW = _via("workflow", "workflow")
_STREAM = f"flowplane_stream_org(stream) = {_ORG}"
PLATFORM_ONLY = Scope(None)

SCOPES: dict[str, Scope] = {
    "organization": Scope(f"id = {_ORG}"),
    "app_user": PLATFORM_ONLY,
    "membership": Scope(_OWN),
    "api_token": PLATFORM_ONLY,
    "sign_in_code": PLATFORM_ONLY,
    "environment": Scope(_OWN),
    "data_source": Scope(_OWN),
    "add_on": Scope(_OWN),
    "ai_model": Scope(_OWN),
    "workflow": Scope(_OWN),
    "workflow_share": Scope(_OWN_WORKFLOW),
    "workflow_revision": Scope(_OWN_WORKFLOW),
    "workflow_status_history": Scope(_OWN_WORKFLOW),
    "execution": Scope(_OWN, _OWN_WORKFLOW),
    "execution_tally": Scope(_OWN_WORKFLOW),
    "execution_span": Scope(_OWN_EXECUTION),
    "execution_log": Scope(_OWN_EXECUTION),
    "execution_summary": Scope(_OWN, _OWN_EXECUTION),
    # An event must name the tenant's own execution and workflow and one of their streams,
    # or a worker could inject events into another organization's subscriptions.
    "event": Scope(_OWN, f"(execution IS NULL OR {_OWN_EXECUTION})"
                         f" AND (workflow IS NULL OR {_OWN_WORKFLOW}) AND {_STREAM}"),
    "event_horizon": PLATFORM_ONLY,
    "schedule_slot": Scope(_OWN_WORKFLOW),
    "sync_run": Scope(_OWN),
    "sync_file_result": PLATFORM_ONLY,
    "webhook_receipt": Scope(_OWN),
    "tenant_credential": PLATFORM_ONLY,
    # Ciphertexts: a worker opens its organization's with the data key it was handed; the
    # wrapped data keys are for platform processes (which hold the master key) only.
    "secret": Scope(_OWN),
    "organization_key": PLATFORM_ONLY,
    "migration": PLATFORM_ONLY,  # Piccolo's record of the migrations that ran
}

_EXECUTION_WRITES = (
    "status, error, attempt, worker_id, lease_expires_at, next_attempt_at, cancel_requested,"
    " dispatch_generation, queue_name, dispatched_at, started_at, ended_at, duration_ms, outputs,"
    " event_seq"
)
# What a worker does: claim, record and finish executions; read the resources its nodes name.
TENANT_GRANTS: dict[str, str] = {
    "organization": "SELECT",  # its own row: the egress guard reads the slug's allow-list
    "environment": "SELECT",
    "data_source": "SELECT",
    "add_on": "SELECT",
    "ai_model": "SELECT",
    # deployment_environment_id / deployed_at: a python node's sandbox (its environment's
    # packages, and which deployment a warm guest was started for).
    "workflow": "SELECT (id, organization, name, status, deployment_phase,"
                " deployment_namespace, deployment_environment_id, deployed_at)",
    "execution": f"SELECT, UPDATE ({_EXECUTION_WRITES})",
    "execution_summary": "SELECT, UPDATE (status, attempt, error, started_at, ended_at,"
                         " duration_ms)",
    "execution_span": "SELECT, INSERT, UPDATE (status, output, output_truncated, error,"
                      " ended_at, duration_ms)",
    "execution_log": "SELECT, INSERT",
    # Not `tx` nor `ftx`: the database sets them (domain.events orders feeds by `ftx`), and
    # `execution.event_ftx` is kept by a trigger, whatever a writer sets.
    "event": "SELECT, INSERT (organization, workflow, execution, seq, stream, kind, payload,"
             " feed, created_at)",
    "secret": "SELECT (organization, name, ciphertext)",
}
SERIAL_TABLES = ("execution_span", "execution_log", "event")
# A transaction left open holds every event feed back (domain.event_log's watermark): our
# roles' sessions end one that idles longer than this.
IDLE_IN_TRANSACTION_TIMEOUT = "60s"

# The advisory-lock functions that take a lock (unlocking only ever releases one's own).
ADVISORY_LOCKS = tuple(
    f"{name}({args})"
    for name in ("pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock",
                 "pg_try_advisory_lock_shared", "pg_advisory_xact_lock",
                 "pg_advisory_xact_lock_shared", "pg_try_advisory_xact_lock",
                 "pg_try_advisory_xact_lock_shared")
    for args in ("bigint", "integer, integer")
)

EXEC_LOCK_SPACE = 0x45584543  # "EXEC": the per-workflow concurrency locks

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION flowplane_org_of(role name) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT organization FROM public.tenant_credential WHERE db_role = role
$$;

CREATE OR REPLACE FUNCTION flowplane_stream_org(stream text) RETURNS integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    part text[] := regexp_match(
        stream, '^(execution|workflow|organization):([0-9]{{1,9}})(:executions)?$');
BEGIN
    IF part IS NULL THEN
        RETURN NULL;
    ELSIF part[1] = 'execution' AND part[3] IS NULL THEN
        RETURN (SELECT organization FROM public.execution WHERE id = part[2]::integer);
    ELSIF part[1] = 'workflow' THEN
        RETURN (SELECT organization FROM public.workflow WHERE id = part[2]::integer);
    ELSIF part[1] = 'organization' AND part[3] IS NOT NULL THEN
        RETURN part[2]::integer;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION flowplane_lock_workflow(workflow_id integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    tenant integer := (SELECT organization FROM public.tenant_credential
                       WHERE db_role = session_user);
BEGIN
    IF tenant IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM public.workflow w WHERE w.id = workflow_id AND w.organization = tenant
    ) THEN
        RAISE EXCEPTION 'workflow % is not a workflow of this organization', workflow_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM pg_advisory_xact_lock({EXEC_LOCK_SPACE}, workflow_id);
END
$$;
"""


def policy_statements(table: str, scope: Scope) -> list[str]:
    """The statements that put `table` under row-level security (idempotent)."""
    statements = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS flowplane_platform ON {table}",
        f"DROP POLICY IF EXISTS flowplane_tenant ON {table}",
        f"CREATE POLICY flowplane_platform ON {table} TO CURRENT_USER USING (true)"
        " WITH CHECK (true)",
    ]
    if scope.using is not None:
        check = scope.using if scope.check is None else f"({scope.using}) AND ({scope.check})"
        statements.append(f"CREATE POLICY flowplane_tenant ON {table} TO PUBLIC"
                          f" USING ({scope.using}) WITH CHECK ({check})")
    return statements


def platform_statements() -> list[str]:
    """Revoke what tenants must not have from PUBLIC; keep it for the platform role."""
    statements = ["REVOKE CREATE ON SCHEMA public FROM PUBLIC",
                  "ALTER ROLE CURRENT_USER SET idle_in_transaction_session_timeout"
                  f" = '{IDLE_IN_TRANSACTION_TIMEOUT}'"]
    for function in ADVISORY_LOCKS:
        statements.append(f"REVOKE EXECUTE ON FUNCTION pg_catalog.{function} FROM PUBLIC")
        statements.append(f"GRANT EXECUTE ON FUNCTION pg_catalog.{function} TO CURRENT_USER")
    return statements


def tenant_grant_statements(role: str) -> list[str]:
    """What one organization's worker role may do, on top of its policies (idempotent)."""
    quoted = f'"{role}"'
    statements = [f"GRANT {privileges} ON {table} TO {quoted}"
                  for table, privileges in TENANT_GRANTS.items()]
    statements += [f"GRANT USAGE ON SEQUENCE {table}_id_seq TO {quoted}"
                   for table in SERIAL_TABLES]
    statements.append(f"ALTER ROLE {quoted} SET idle_in_transaction_session_timeout"
                      f" = '{IDLE_IN_TRANSACTION_TIMEOUT}'")
    return statements


async def unclassified_tables(conn: asyncpg.Connection) -> list[str]:
    """Tables of the public schema that `SCOPES` does not declare."""
    names = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return sorted(str(r["tablename"]) for r in names if r["tablename"] not in SCOPES)


async def apply_row_security(conn: asyncpg.Connection) -> None:
    """Put every table under row-level security and revoke the advisory locks from PUBLIC
    (idempotent; run after migrations). A table `SCOPES` does not know is closed to tenants."""
    from db.tenant_roles import regrant_all

    await conn.execute(FUNCTIONS)
    present = {str(r["tablename"]) for r in await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    unknown = await unclassified_tables(conn)
    if unknown:
        log.warning("tables not declared in db.row_security.SCOPES are closed to tenants: %s",
                    ", ".join(unknown))
    for table in sorted(present):
        for statement in policy_statements(table, SCOPES.get(table, PLATFORM_ONLY)):
            await conn.execute(statement)
    try:
        async with conn.transaction():
            for statement in platform_statements():
                await conn.execute(statement)
    except asyncpg.InsufficientPrivilegeError as error:
        # Tenant credentials are then refused (db.tenant_roles.check_isolated).
        log.warning("cannot revoke the advisory-lock functions from PUBLIC (%s): organization "
                    "worker roles stay unavailable until a superuser runs `flowplane migrate`",
                    error)
    await regrant_all(conn)
