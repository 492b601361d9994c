"""workflow.deployment_autoscale_min / _max: the replica bounds a deployment's KEDA
ScaledObject applies (null: one fixed worker, the default and what local deployments run)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T15:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "workflow.deployment_autoscale_min, workflow.deployment_autoscale_max"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="flowplane", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            "ALTER TABLE workflow ADD COLUMN IF NOT EXISTS deployment_autoscale_min INTEGER,"
            " ADD COLUMN IF NOT EXISTS deployment_autoscale_max INTEGER")

    manager.add_raw(run)
    return manager
