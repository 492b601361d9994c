"""An index for the organization-wide execution list (`executions(filter:)`, newest first)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "execution_summary by organization, newest first"

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS execution_summary_org_created"
    " ON execution_summary (organization, created_at DESC, execution DESC)",
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
