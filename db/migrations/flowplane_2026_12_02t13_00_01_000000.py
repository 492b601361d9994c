"""workflow.deployment_fingerprint: a digest of what the deployment rendered (settings, image,
services with secret references, never secret values); a change of it means a redeploy."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T13:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "workflow.deployment_fingerprint"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="flowplane", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Workflow",
        tablename="workflow",
        column_name="deployment_fingerprint",
        db_column_name="deployment_fingerprint",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
