"""200 executions in flight on two worker processes; one is killed with SIGKILL. Every
execution still reaches a terminal state exactly once, and no node that completed runs again
(its HTTP side effect is not repeated)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from domain._sql import fetch
from domain.executions import start_execution
from tests.engine.servers import Recorder
from tests.factory import Factory
from tests.processes import FlowplaneProcess
from tests.resilience.conftest import (
    http_call,
    node_spans,
    running,
    statuses,
    summary,
    terminal_events,
    wait_terminal,
)
from tests.sync.test_daemon import eventually

pytestmark = [pytest.mark.resilience, pytest.mark.slow]
EXECUTIONS = 200


async def _workflow(factory: Factory, url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    org = await factory.org()
    user = await factory.user(org=org)
    nodes = [http_call(url, "a"), {"id": "wait", "type": "delay", "params": {"seconds": 1.5}},
             http_call(url, "b")]
    edges = [{"from": "a", "to": "wait"}, {"from": "wait", "to": "b"}]
    return user, await factory.workflow(org, user, nodes=nodes, connections=edges)


async def _running_on(pid: int) -> bool:
    """The victim runs nodes of at least five executions (claimed is not enough: a worker
    that has just claimed a batch may not have started any node yet)."""
    rows = await fetch(
        "SELECT count(DISTINCT e.id) AS n FROM execution e JOIN execution_span s"
        " ON s.execution = e.id AND s.kind = 'node' AND s.status = 'running'"
        " WHERE e.status = 'running' AND e.worker_id LIKE $1", f"%:{pid}")
    return int(rows[0]["n"]) >= 5


async def test_a_killed_worker_loses_no_execution_and_repeats_no_completed_node(
    factory: Factory, env: dict[str, str], counting_server: tuple[str, Recorder]
) -> None:
    url, recorder = counting_server
    user, workflow = await _workflow(factory, url)
    workers = [FlowplaneProcess(["worker"], env) for _ in range(2)]
    with running(*workers, FlowplaneProcess(["scheduler"], env)) as processes:
        ids = []
        for n in range(EXECUTIONS):
            row = await start_execution(workflow["id"], trigger_type="manual",
                                        triggered_by=user["id"], input={"n": n})
            ids.append(int(row.id))
        victim = workers[0]
        await eventually(lambda: _running_on(victim.pid), "the victim to run executions", 60)
        victim.kill()
        await wait_terminal(ids, processes)
    by_n = dict(enumerate(ids))
    assert summary(await statuses(ids)) == {"completed": EXECUTIONS}
    events = await terminal_events(ids)
    assert {i: e for i, e in events.items() if e != ["completed"]} == {}
    spans = await node_spans(ids)
    hits = Counter((int(body["n"]), body["node"]) for body in recorder.bodies)
    for n, execution_id in by_n.items():
        for node_id in ("a", "wait", "b"):
            tries = spans[(execution_id, node_id)]
            assert tries.count("completed") == 1, (execution_id, node_id, tries)
            if node_id != "wait":
                # A try cut short by the kill may or may not have sent its request.
                assert 1 <= hits[(n, node_id)] <= 1 + tries.count("lost"), (n, node_id, tries)
    lost = sum(t.count("lost") for t in spans.values())
    assert lost > 0, "the kill landed while no node ran"
