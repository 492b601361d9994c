"""A workflow's execution count is the sum of its shards: each session counts in its own, and
folding moves the shards of ended sessions into shard 0 without changing any count."""

from __future__ import annotations

from domain._sql import fetch
from domain.execution_counts import count_execution, execution_counts, fold_execution_counts
from tests.factory import Factory


async def _shards(workflow_id: int) -> dict[int, int]:
    rows = await fetch("SELECT shard, n FROM execution_tally WHERE workflow = $1", workflow_id)
    return {int(row["shard"]): int(row["n"]) for row in rows}


async def test_counts_add_up_per_workflow_and_folding_keeps_them(factory: Factory) -> None:
    org = await factory.org()
    user = await factory.user(org=org)
    a, b, none = [await factory.workflow(org, user, name=n) for n in ("a", "b", "none")]
    # A session that counted and has ended (no backend has pid 1).
    await fetch("INSERT INTO execution_tally (workflow, shard, n) VALUES ($1, 1, 5)", a["id"])
    for workflow in (a, a, b):
        assert (await count_execution(workflow["id"]) or {}).get("name") == workflow["name"]
    assert await count_execution(999_999) is None
    ids = [a["id"], b["id"], none["id"]]
    assert await execution_counts(ids) == {a["id"]: 7, b["id"]: 1, none["id"]: 0}
    live = {shard: n for shard, n in (await _shards(a["id"])).items() if shard != 1}
    assert sum(live.values()) == 2  # the pool's sessions, each in its own shard
    assert await fold_execution_counts() == 1
    assert await execution_counts(ids) == {a["id"]: 7, b["id"]: 1, none["id"]: 0}
    assert await _shards(a["id"]) == {0: 5, **live}
    assert await fold_execution_counts() == 0
    await fetch("INSERT INTO execution_tally (workflow, shard, n) VALUES ($1, 1, 3)", a["id"])
    assert await fold_execution_counts() == 1
    assert (await _shards(a["id"]))[0] == 8
