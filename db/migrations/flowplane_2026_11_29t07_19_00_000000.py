"""Indexes for the API's list queries, which Piccolo cannot declare (composite, descending)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T07:19:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite indexes for list queries"

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS workflow_org_status_updated"
    " ON workflow (organization, status, updated_at DESC)",
    "CREATE INDEX IF NOT EXISTS workflow_tags ON workflow USING gin (tags)",
    "CREATE INDEX IF NOT EXISTS execution_summary_workflow_created"
    " ON execution_summary (workflow, created_at DESC, execution DESC)",
    "CREATE INDEX IF NOT EXISTS execution_summary_org_status_started"
    " ON execution_summary (organization, status, started_at DESC)",
    "CREATE INDEX IF NOT EXISTS execution_workflow_status_created"
    " ON execution (workflow, status, created_at)",
    "CREATE INDEX IF NOT EXISTS execution_active_lease ON execution (lease_expires_at)"
    " WHERE status IN ('pending', 'running')",
    "CREATE INDEX IF NOT EXISTS execution_span_execution_started"
    " ON execution_span (execution, started_at)",
    "CREATE INDEX IF NOT EXISTS execution_log_execution_created"
    " ON execution_log (execution, created_at, id)",
    "CREATE INDEX IF NOT EXISTS event_workflow_id ON event (workflow, id)",
    "CREATE INDEX IF NOT EXISTS sync_run_org_started ON sync_run (organization, started_at DESC)",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="flowplane", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
