"""How many executions each workflow has started (`Workflow.executionCount`), counted without
a row that concurrent starts share.

The count lives in shards of `execution_tally`, summed on read: a start adds one to the shard
of its own database session (`pg_backend_pid()`), which no concurrent transaction can hold, so
starts of one workflow never wait for each other. Shard 0 holds what `fold_execution_counts`
moved there from sessions that have ended, which keeps a workflow's shards about as many as
the sessions that start its executions. Retention deleting old executions leaves the count as
it was: it counts starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain._sql import fetch, fetch_one


async def count_execution(workflow_id: int) -> dict[str, Any] | None:
    """Count one more execution of the workflow, in the caller's transaction, and return the
    workflow's row as last committed (a few columns; Any: column values), share-locked until
    that transaction ends: a concurrent archive waits for it or is seen. None if there is no
    such workflow. One statement: starting an execution is a hot path."""
    return await fetch_one(
        "WITH workflow AS (SELECT id, organization, name, status, deployment_phase"
        " FROM workflow WHERE id = $1 FOR SHARE), counted AS ("
        " INSERT INTO execution_tally (workflow, shard, n)"
        " SELECT id, pg_backend_pid(), 1 FROM workflow"
        " ON CONFLICT (workflow, shard) DO UPDATE SET n = execution_tally.n + 1)"
        " SELECT * FROM workflow", workflow_id)


async def execution_counts(workflow_ids: Sequence[int]) -> dict[int, int]:
    """The executions each of these workflows has started, in one statement (0 for none)."""
    rows = await fetch(
        "SELECT workflow, sum(n) AS n FROM execution_tally WHERE workflow = ANY($1::int[])"
        " GROUP BY workflow", list(workflow_ids))
    found = {int(row["workflow"]): int(row["n"]) for row in rows}
    return {workflow_id: found.get(workflow_id, 0) for workflow_id in workflow_ids}


# One statement, so a reader sees the shards either before or after: the shards of sessions
# no longer connected are deleted and their counts added to shard 0. A session that started
# since with a reused pid finds its shard gone or moved, and counts on from there.
_FOLD = """
WITH gone AS (
    DELETE FROM execution_tally WHERE shard <> 0
    AND shard NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)
    RETURNING workflow, n
), folded AS (
    INSERT INTO execution_tally (workflow, shard, n)
    SELECT workflow, 0, sum(n) FROM gone GROUP BY workflow
    ON CONFLICT (workflow, shard) DO UPDATE SET n = execution_tally.n + EXCLUDED.n
)
SELECT count(*) AS n FROM gone
"""


async def fold_execution_counts() -> int:
    """Fold the shards of ended sessions into shard 0 (the scheduler runs it); returns how many
    shards were folded. Safe to run from several schedulers at once."""
    row = await fetch_one(_FOLD)
    return 0 if row is None else int(row["n"])
