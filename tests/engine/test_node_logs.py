"""Node log lines are written while the node runs, in batches, within per-node caps."""

from __future__ import annotations

import json
from typing import Any

from domain._sql import fetch
from engine.node_log import MAX_BYTES, MAX_LINES, TRUNCATED
from tests.engine.test_python_node import _run, needs_bwrap, py
from tests.factory import Factory

pytestmark = needs_bwrap


async def _events(execution_id: int) -> list[tuple[str, dict[str, Any]]]:
    rows = await fetch("SELECT kind, payload FROM event WHERE stream = $1 ORDER BY seq",
                       f"execution:{execution_id}")
    return [(r["kind"], json.loads(r["payload"]) if isinstance(r["payload"], str)
             else r["payload"]) for r in rows]


async def test_lines_are_announced_before_their_node_ends(
    factory: Factory, redis_url: str
) -> None:
    done = await _run(factory, redis_url, [py("slow", """
        import time
        def main(inputs):
            print("started")
            time.sleep(2)
            print("finished")
            return 1
    """)])
    assert done.status == "completed", done.error
    logs = {r["id"]: r["message"] for r in await fetch(
        "SELECT id, message FROM execution_log WHERE execution = $1", done.id)}
    told = [(kind, logs.get(p.get("logId")) if kind == "log" else p.get("status"))
            for kind, p in await _events(done.id)
            if kind == "log" or (kind == "span" and p.get("nodeId") == "slow")]
    assert told == [("span", "running"), ("log", "started"), ("log", "finished"),
                    ("span", "completed")]


async def test_a_chatty_node_is_capped_and_batched(factory: Factory, redis_url: str) -> None:
    done = await _run(factory, redis_url, [
        py("chatty", "def main(inputs):\n    for i in range(5000):\n        print(i)\n"),
        py("wide", "def main(inputs):\n    for i in range(100):\n        print('x' * 8000)\n")])
    assert done.status == "completed", done.error
    rows = await fetch("SELECT node_id, level, message, created_at FROM execution_log WHERE "
                       "execution = $1 ORDER BY id", done.id)
    chatty = [r for r in rows if r["node_id"] == "chatty"]
    assert [r["message"] for r in chatty] == [*map(str, range(MAX_LINES)), TRUNCATED]
    assert chatty[-1]["level"] == "warning"
    # One clock reading per write: 1,000 lines took a handful of commits, not one each.
    assert len({r["created_at"] for r in chatty}) <= 50
    wide = [r for r in rows if r["node_id"] == "wide"]
    assert len(wide) == MAX_BYTES // 8000 + 1 and wide[-1]["message"] == TRUNCATED
