"""Feed key `event.ftx`: where an execution event stands in the feeds, `(ftx, id)`, in place of
the writer's transaction id `tx` (domain.events says why). Both are set by the database, never
by the writer: `event.ftx` by a trigger from `execution.event_ftx`, which a trigger on
execution moves up whenever `event_seq` is counted up.

Existing events keep their place (`ftx = tx`), so feed cursors issued before this migration
stay valid; `event_horizon.tx` becomes `event_horizon.ftx` with the same values."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T08:17:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "event.ftx, execution.event_ftx: feeds in per-execution order"

_XID = "pg_current_xact_id()::text::bigint"

STATEMENTS = (
    "ALTER TABLE event ADD COLUMN IF NOT EXISTS ftx BIGINT",
    "UPDATE event SET ftx = tx WHERE ftx IS NULL",
    "ALTER TABLE event ALTER COLUMN ftx SET NOT NULL,"
    f" ALTER COLUMN ftx SET DEFAULT {_XID}",
    "ALTER TABLE execution ADD COLUMN IF NOT EXISTS event_ftx BIGINT NOT NULL DEFAULT 0",
    "UPDATE execution e SET event_ftx = m.ftx FROM (SELECT execution, max(ftx) AS ftx"
    " FROM event WHERE execution IS NOT NULL GROUP BY execution) m WHERE m.execution = e.id",
    "CREATE INDEX IF NOT EXISTS event_workflow_feed_ftx ON event (workflow, ftx, id) WHERE feed",
    "CREATE INDEX IF NOT EXISTS event_organization_feed_ftx ON event (organization, ftx, id)"
    " WHERE feed",
    "DROP INDEX IF EXISTS event_workflow_feed",
    "DROP INDEX IF EXISTS event_organization_feed",
    "DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name ="
    " 'event_horizon' AND column_name = 'tx') THEN"
    " ALTER TABLE event_horizon RENAME COLUMN tx TO ftx; END IF; END $$",
    # An execution's next event stands after its last one: the writer holds the row, so the
    # previous writer has committed and its key is the row's.
    f"""CREATE OR REPLACE FUNCTION flowplane_execution_event_ftx() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        IF NEW.event_seq IS DISTINCT FROM OLD.event_seq THEN
            NEW.event_ftx := greatest(OLD.event_ftx, {_XID});
        ELSE
            NEW.event_ftx := OLD.event_ftx;
        END IF;
        RETURN NEW;
    END $$""",
    "DROP TRIGGER IF EXISTS execution_event_ftx ON execution",
    "CREATE TRIGGER execution_event_ftx BEFORE UPDATE ON execution FOR EACH ROW"
    " EXECUTE FUNCTION flowplane_execution_event_ftx()",
    # VOLATILE: the lookup sees the execution row as the append statement just updated it.
    f"""CREATE OR REPLACE FUNCTION flowplane_event_ftx() RETURNS trigger
    LANGUAGE plpgsql VOLATILE AS $$ BEGIN
        NEW.ftx := greatest(NEW.tx, coalesce(
            (SELECT event_ftx FROM execution WHERE id = NEW.execution), 0));
        RETURN NEW;
    END $$""",
    "DROP TRIGGER IF EXISTS event_ftx ON event",
    "CREATE TRIGGER event_ftx BEFORE INSERT ON event FOR EACH ROW"
    " EXECUTE FUNCTION flowplane_event_ftx()",
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
