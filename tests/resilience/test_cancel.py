"""Cancel, many at once through a real API, of running executions on a real worker whose
lease heartbeat (every 100 s here) cannot be what stops them: short runs (1.5 s) never end
`completed` and never reach the node after the cancel; long runs (a 10-minute node) are
interrupted at once. Either way the terminal status is the last event."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from domain._sql import fetch
from tests.engine.servers import Recorder
from tests.factory import Factory
from tests.graphql_api._ws import auth
from tests.graphql_api.conftest import gid
from tests.processes import ApiServer, FlowplaneProcess
from tests.resilience.conftest import (
    call_then_wait,
    running,
    side_effects,
    spans_running,
    start_runs,
    statuses,
    summary,
    terminal_events,
    wait_terminal,
)
from tests.sync.test_daemon import eventually

pytestmark = [pytest.mark.resilience, pytest.mark.slow]
SHORT, LONG = 20, 5
# Far below the heartbeat interval (lease / 3): only a prompt cancel ends the long runs.
PROMPT_SECONDS = 60
CANCEL = """mutation($id: ID!) {
  cancelExecution(id: $id) { __typename ... on Execution { id status } }
}"""


@pytest.fixture
def slow_heartbeat(env: dict[str, str]) -> dict[str, str]:
    return {**env, "FLOWPLANE_EXECUTION_LEASE_SECONDS": "300"}


async def test_cancel_stops_short_and_long_runs_at_once(
    factory: Factory, api: ApiServer, slow_heartbeat: dict[str, str],
    counting_server: tuple[str, Recorder],
) -> None:
    url, recorder = counting_server
    org = await factory.org()
    user = await factory.user(org=org)
    _, short = await call_then_wait(factory, url, 1.5, then_call=True, org=org, owner=user)
    _, long = await call_then_wait(factory, url, 600, then_call=True, org=org, owner=user)
    ids = [*await start_runs(short, user, [{"n": n} for n in range(SHORT)]),
           *await start_runs(long, user, [{"n": SHORT + n} for n in range(LONG)])]
    headers = auth(await factory.token(user, org), org)
    with running(FlowplaneProcess(["worker"], slow_heartbeat)) as processes:
        async with httpx.AsyncClient(base_url=api.url, headers=headers, timeout=60) as client:
            answers = await asyncio.gather(*(_cancel_in_delay(client, i) for i in ids))
        assert all(a["data"]["cancelExecution"]["__typename"] == "Execution"
                   for a in answers), answers
        await wait_terminal(ids, processes, within=PROMPT_SECONDS)
    assert summary(await statuses(ids)) == {"cancelled": SHORT + LONG}
    assert {key for key in side_effects(recorder) if key[1] == "b"} == set()
    events = await terminal_events(ids)
    assert {i: e for i, e in events.items() if e != ["cancelled"]} == {}
    assert await _last_event_kinds(ids) == {("status", "cancelled")}
    interrupted = await fetch("SELECT count(*) AS n FROM execution_span WHERE node_id = 'wait'"
                              " AND status = 'cancelled' AND execution = ANY($1)", ids[SHORT:])
    assert interrupted[0]["n"] == LONG


async def _cancel_in_delay(client: httpx.AsyncClient, execution_id: int) -> Any:
    """Cancel the execution as soon as it is in its delay node (each within its 1.5 s)."""
    await eventually(lambda: _waiting(execution_id), f"{execution_id} to be in its delay", 60)
    answer = await client.post("/graphql", json={"query": CANCEL,
                                                 "variables": {"id": gid("Execution",
                                                                         execution_id)}})
    return answer.json()


async def _waiting(execution_id: int) -> bool:
    return await spans_running([execution_id], "wait") == 1


async def _last_event_kinds(ids: list[int]) -> set[tuple[str, str | None]]:
    rows = await fetch(
        "SELECT DISTINCT ON (execution) execution, kind, payload->>'status' AS status"
        " FROM event WHERE execution = ANY($1) AND stream = 'execution:' || execution::text"
        " ORDER BY execution, seq DESC", ids)
    return {(str(r["kind"]), r["status"]) for r in rows}
