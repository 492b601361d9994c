"""environment.python (the packages installed on the base interpreter) and
environment.build_log (the installer's output, bounded) (docs/environments.md)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T13:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "environment.python, environment.build_log"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="flowplane", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            "ALTER TABLE environment ADD COLUMN IF NOT EXISTS python JSONB,"
            " ADD COLUMN IF NOT EXISTS build_log TEXT")

    manager.add_raw(run)
    return manager
