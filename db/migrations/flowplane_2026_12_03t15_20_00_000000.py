"""environment.node_types: the plugin node types an environment's image provides, as
declared in its spec (docs/environments.md)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T15:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "environment.node_types"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="flowplane", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl("ALTER TABLE environment ADD COLUMN IF NOT EXISTS node_types JSONB")

    manager.add_raw(run)
    return manager
