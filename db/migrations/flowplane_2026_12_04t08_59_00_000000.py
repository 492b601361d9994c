"""environment.event_seq: the cursor of an environment's event stream (`environment:<id>`,
domain.events), kept on its row like execution's and workflow's. Carried over from
`stream_cursor` (so cursors of environmentUpdated stay valid), before the next migration
drops that table; never below the stream's last logged event."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T08:59:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "environment.event_seq"

STATEMENTS = (
    "ALTER TABLE environment ADD COLUMN IF NOT EXISTS event_seq BIGINT NOT NULL DEFAULT 0",
    "DO $$ BEGIN IF to_regclass('stream_cursor') IS NOT NULL THEN"
    " UPDATE environment e SET event_seq = c.seq FROM stream_cursor c"
    " WHERE c.stream = 'environment:' || e.id; END IF; END $$",
    "UPDATE environment e SET event_seq = l.seq FROM (SELECT stream, max(seq) AS seq FROM event"
    " WHERE stream LIKE 'environment:%' GROUP BY stream) l"
    " WHERE l.stream = 'environment:' || e.id AND l.seq > e.event_seq",
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
