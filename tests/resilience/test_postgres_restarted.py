"""PostgreSQL restarted while executions run and a client watches one: the API, the workers
and the listeners reconnect by themselves, the watcher (resuming from its cursor whenever its
connection drops) gets every event exactly once, and every execution completes."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
import pytest
from websockets.exceptions import WebSocketException

from db.engine import engine
from domain.events import execution_stream
from domain.executions import start_execution
from tests.factory import Factory
from tests.graphql_api._ws import GraphQLWs, auth, position, session, start_of
from tests.graphql_api.conftest import gid
from tests.graphql_api.test_subscriptions_e2e import WATCH
from tests.processes import ApiServer, FlowplaneProcess
from tests.resilience.conftest import Restartable, running, statuses, summary, wait_terminal

pytestmark = [pytest.mark.resilience, pytest.mark.slow]
EXECUTIONS = 40


async def _next(client: GraphQLWs) -> dict[str, Any] | None:
    """The next message of subscription "1", or None once the connection is gone."""
    while True:
        with contextlib.suppress(TimeoutError):
            return await client.message("1", wait=1)
        if client.reader is None or client.reader.done():
            return None


async def _watch(url: str, payload: dict[str, str], execution_id: int,
                 got: list[dict[str, Any]]) -> None:
    """Collect every event of the execution into `got`, reconnecting with the last cursor."""
    while True:
        after = got[-1]["cursor"] if got else start_of(execution_stream(execution_id))
        with contextlib.suppress(OSError, TimeoutError, WebSocketException):
            async with session(url, payload) as client:
                await client.subscribe("1", WATCH, id=gid("Execution", execution_id),
                                       after=after)
                while (message := await _next(client)) is not None:
                    if message["type"] == "complete":
                        return
                    assert message["type"] == "next", message
                    got.append(message["payload"]["data"]["executionUpdated"])
        await asyncio.sleep(0.5)


async def test_everything_reconnects_after_postgres_restarts(
    factory: Factory, restartable: Restartable
) -> None:
    server, env = restartable.pg, restartable.env
    org = await factory.org()
    user = await factory.user(org=org)
    payload = auth(await factory.token(user, org), org)
    workflow = await factory.workflow(
        org, user, nodes=[{"id": "a", "type": "transform", "params": {"value": 1}},
                          {"id": "wait", "type": "delay", "params": {"seconds": 3}},
                          {"id": "b", "type": "transform", "params": {"value": 2}}],
        connections=[{"from": "a", "to": "wait"}, {"from": "wait", "to": "b"}])
    api = ApiServer(env)
    with running(api, FlowplaneProcess(["worker"], env),
                 FlowplaneProcess(["scheduler"], env)) as processes:
        ids = [int((await start_execution(workflow["id"], trigger_type="manual",
                                          triggered_by=user["id"], input={})).id)
               for _ in range(EXECUTIONS)]
        got: list[dict[str, Any]] = []
        watcher = asyncio.create_task(_watch(api.url, payload, ids[-1], got))
        await _until(lambda: any(i["kind"] == "SPAN" for i in got), "the watcher to see a span")
        await asyncio.to_thread(server.restart)
        pool = engine().pool  # this process's pooled connections died with the server
        assert pool is not None
        await pool.expire_connections()
        await wait_terminal(ids, processes)
        await asyncio.wait_for(watcher, 90)
        query = (f'{{ execution(id: "{gid("Execution", ids[-1])}") {{ ... on Execution'
                 " { status } } }")
        answer = await asyncio.to_thread(httpx.post, f"{api.url}/graphql", headers=payload,
                                         timeout=30, json={"query": query})
        assert api.process is not None and api.process.poll() is None
    assert summary(await statuses(ids)) == {"completed": EXECUTIONS}
    assert answer.json() == {"data": {"execution": {"status": "COMPLETED"}}}
    assert [position(i["cursor"]) for i in got] == list(range(1, len(got) + 1))
    assert (got[-1]["kind"], got[-1]["status"]) == ("STATUS", "COMPLETED")


async def _until(check: Any, what: str, seconds: float = 60) -> None:
    for _ in range(int(seconds / 0.1)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
