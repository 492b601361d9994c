"""Two schedulers and two sync daemons at once: every schedule slot fires once, every commit
is applied once, and no row is duplicated."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from domain._sql import fetch
from tests.factory import Factory
from tests.processes import FlowplaneProcess
from tests.resilience.conftest import running
from tests.sync.gitrepo import GitRepo, workflow_yaml
from tests.sync.test_daemon import eventually

pytestmark = [pytest.mark.resilience, pytest.mark.slow]
FILES, CHANGED, SCHEDULED = 60, 20, 3
EVERY_SECOND = {"type": "schedule", "cron": "* * * * * *"}  # croniter: seconds come last


async def _count(sql: str, *args: Any) -> int:
    return int((await fetch(sql, *args))[0]["n"])


async def _synced(version: int, at_least: int) -> bool:
    return await _count("SELECT count(*) AS n FROM workflow WHERE managed_by = 'git'"
                        " AND version = $1", version) >= at_least


async def _slots_fired(workflow_ids: list[int], each: int) -> bool:
    rows = await fetch("SELECT workflow, count(*) AS n FROM schedule_slot"
                       " WHERE workflow = ANY($1) GROUP BY workflow", workflow_ids)
    return len(rows) == len(workflow_ids) and all(r["n"] >= each for r in rows)


def _commit(repo: GitRepo, changed: int = 0) -> str:
    for number in range(FILES):
        value = "changed" if number < changed else "hello"
        repo.write(f"workflows.d/wf-{number:03}.yaml", workflow_yaml(f"wf-{number:03}",
                                                                     value=value))
    return repo.commit()


async def test_two_schedulers_and_two_sync_daemons_do_nothing_twice(
    factory: Factory, env: dict[str, str], tmp_path: Path
) -> None:
    org = await factory.org("acme")
    owner = await factory.user("alice", org=org, role="admin")
    scheduled = [int((await factory.workflow(org, owner, f"cron-{n}", status="active",
                                             trigger=EVERY_SECOND))["id"])
                 for n in range(SCHEDULED)]
    repo = GitRepo(tmp_path / "repo")
    first = _commit(repo)
    sync = ["sync", "--repo", str(repo.root), "--org", "acme", "--interval", "200ms"]
    processes = [FlowplaneProcess(["scheduler"], env) for _ in "ab"]
    processes += [FlowplaneProcess(sync, env) for _ in "ab"]
    with running(*processes):
        await eventually(lambda: _synced(1, FILES), "the first commit synced", 90)
        second = _commit(repo, changed=CHANGED)
        await eventually(lambda: _synced(2, CHANGED), "the second commit synced", 90)
        await eventually(lambda: _slots_fired(scheduled, 3), "three slots of each schedule", 60)
        await asyncio.sleep(1)  # both schedulers keep ticking over the same slots
    await _assert_scheduled_once(scheduled)
    await _assert_synced_once(first, second)


async def _assert_scheduled_once(scheduled: list[int]) -> None:
    assert await _count("SELECT count(*) AS n FROM schedule_slot WHERE execution IS NULL") == 0
    for workflow_id in scheduled:
        slots = await _count("SELECT count(*) AS n FROM schedule_slot WHERE workflow = $1",
                             workflow_id)
        executions = await _count("SELECT count(*) AS n FROM execution WHERE workflow = $1",
                                  workflow_id)
        distinct = await _count("SELECT count(DISTINCT input->>'scheduledAt') AS n"
                                " FROM execution WHERE workflow = $1", workflow_id)
        assert slots == executions == distinct >= 3, (workflow_id, slots, executions, distinct)


async def _assert_synced_once(first: str, second: str) -> None:
    duplicates = await fetch("SELECT organization, name FROM workflow GROUP BY 1, 2"
                             " HAVING count(*) > 1")
    assert duplicates == []
    assert await _count("SELECT count(*) AS n FROM workflow WHERE managed_by = 'git'") == FILES
    versions = await fetch("SELECT version, count(*) AS n FROM workflow"
                           " WHERE managed_by = 'git' GROUP BY 1 ORDER BY 1")
    assert [(r["version"], r["n"]) for r in versions] == [(1, FILES - CHANGED), (2, CHANGED)]
    assert await _count("SELECT count(*) AS n FROM workflow_revision") == FILES + CHANGED
    # A standby that takes over (here: when the holder is stopped) reconciles once more;
    # that run must find nothing to do. Per commit, exactly one run changed anything.
    runs = await fetch("SELECT commit, status, counts FROM sync_run WHERE NOT dry_run")
    changing = [(r["commit"], r["status"]) for r in runs if _changes(r["counts"])]
    assert sorted(changing) == sorted([(first, "succeeded"), (second, "succeeded")]), runs


def _changes(counts: Any) -> int:
    values = json.loads(counts) if isinstance(counts, str) else counts
    return sum(n for verb, n in values.items() if verb not in ("unchanged", "failed", "invalid"))
