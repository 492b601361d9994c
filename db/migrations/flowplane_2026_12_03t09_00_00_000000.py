"""execution.trace_id and execution.traceparent: the execution's OpenTelemetry trace, and the
`traceparent` of the request or schedule fire that started it (docs/observability.md)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "execution.trace_id, execution.traceparent"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="flowplane", description=DESCRIPTION)
    for name in ("trace_id", "traceparent"):
        manager.add_column(
            table_class_name="Execution",
            tablename="execution",
            column_name=name,
            db_column_name=name,
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
