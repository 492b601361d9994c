"""workflow.deployment_reason (a short code: why FAILED, or what a PROGRESSING deployment waits
on, e.g. Unschedulable) and workflow.deployment_phase_changed_at (database clock: when the
phase last changed; the deploy timeout counts from it)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "workflow.deployment_reason, workflow.deployment_phase_changed_at"
_PARAMS = {
    "default": None,
    "null": True,
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="flowplane", description=DESCRIPTION)
    for name, column in (("deployment_reason", Text), ("deployment_phase_changed_at", Timestamptz)):
        manager.add_column(
            table_class_name="Workflow",
            tablename="workflow",
            column_name=name,
            db_column_name=name,
            column_class_name=column.__name__,
            column_class=column,
            params=dict(_PARAMS),
            schema=None,
        )
    return manager
