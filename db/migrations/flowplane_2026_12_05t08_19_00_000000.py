"""`execution_tally`: a workflow's execution count in shards summed on read
(domain.execution_counts), so concurrent starts of one workflow no longer queue on its row.
`workflow.execution_count` moves to shard 0 and is dropped."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T08:19:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "execution_tally replaces workflow.execution_count"

STATEMENTS = (
    "CREATE TABLE IF NOT EXISTS execution_tally (id SERIAL PRIMARY KEY,"
    " workflow INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,"
    " shard INTEGER NOT NULL DEFAULT 0, n BIGINT NOT NULL DEFAULT 0,"
    " CONSTRAINT execution_tally_unique UNIQUE (workflow, shard))",
    "DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name ="
    " 'workflow' AND column_name = 'execution_count') THEN"
    " INSERT INTO execution_tally (workflow, shard, n) SELECT id, 0, execution_count"
    " FROM workflow WHERE execution_count > 0 ON CONFLICT (workflow, shard) DO NOTHING;"
    " ALTER TABLE workflow DROP COLUMN execution_count; END IF; END $$",
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
