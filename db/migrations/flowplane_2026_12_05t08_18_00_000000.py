"""`event.created_at` is the writing transaction's `now()`, whatever the writer sets: retention
deletes by it and records what it deleted in the one `event_horizon` every feed cursor is held
against, so a tenant that could date an event in the past would have it pruned at once and
expire every organization's feed cursors."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T08:18:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "event.created_at set by the database"


STATEMENTS = (
    f"""CREATE OR REPLACE FUNCTION flowplane_event_ftx() RETURNS trigger
    LANGUAGE plpgsql VOLATILE AS $$ BEGIN
        NEW.ftx := greatest(NEW.tx, coalesce(
            (SELECT event_ftx FROM execution WHERE id = NEW.execution), 0));
        NEW.created_at := now();
        RETURN NEW;
    END $$""",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="flowplane", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
