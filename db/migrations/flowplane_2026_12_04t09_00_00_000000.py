"""The event log without a shared cursor row (domain.events): entity streams take their
cursor from the entity's own row (`execution.event_seq`, `workflow.event_seq`, carried over
from `stream_cursor`, so cursors of executionUpdated and workflowUpdated stay valid); the
feeds are the execution events marked `feed`, ordered by (`tx`, `id`). The rows the old
design wrote to the feeds are deleted: a feed cursor issued before this migration answers
CursorExpired. `event_horizon` records what retention deleted."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "event log: per-entity cursors, feeds by transaction order, event_horizon"

STATEMENTS = (
    "ALTER TABLE event ADD COLUMN IF NOT EXISTS tx BIGINT NOT NULL DEFAULT 0,"
    " ADD COLUMN IF NOT EXISTS feed BOOLEAN NOT NULL DEFAULT false",
    # Set by the database, never by the writer: a worker role cannot place its events
    # elsewhere in the feeds' order.
    "ALTER TABLE event ALTER COLUMN tx SET DEFAULT pg_current_xact_id()::text::bigint",
    "ALTER TABLE workflow ADD COLUMN IF NOT EXISTS event_seq BIGINT NOT NULL DEFAULT 0",
    "UPDATE execution e SET event_seq = c.seq FROM stream_cursor c"
    " WHERE c.stream = 'execution:' || e.id",
    "UPDATE workflow w SET event_seq = c.seq FROM stream_cursor c"
    " WHERE c.stream = 'workflow:' || w.id",
    "DELETE FROM event WHERE stream LIKE '%:executions'",
    "CREATE INDEX IF NOT EXISTS event_workflow_feed ON event (workflow, tx, id) WHERE feed",
    "CREATE INDEX IF NOT EXISTS event_organization_feed ON event (organization, tx, id)"
    " WHERE feed",
    "CREATE TABLE IF NOT EXISTS event_horizon (id INTEGER PRIMARY KEY, tx BIGINT NOT NULL,"
    " event BIGINT NOT NULL)",
    "DROP TABLE IF EXISTS stream_cursor",
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
