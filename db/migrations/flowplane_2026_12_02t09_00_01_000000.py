"""Backfill execution.dispatched_at for unfinished executions of before it existed: they were
dispatched when created. Left NULL they would look parked, and the sweeper would never
recover them."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T09:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "backfill execution.dispatched_at"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="flowplane", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            "UPDATE execution SET dispatched_at = created_at"
            " WHERE status IN ('pending', 'running') AND dispatched_at IS NULL")

    manager.add_raw(run)
    return manager
