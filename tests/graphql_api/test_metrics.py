"""The API's metrics, scraped from a real `flowplane serve`: GraphQL requests by operation and
result, open websockets and subscriptions, event fan-out lag; and FLOWPLANE_METRICS_TOKEN
guarding /metrics."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from domain.executions import cancel_execution, start_execution
from tests.factory import Factory
from tests.graphql_api._ws import auth, session
from tests.graphql_api.conftest import gid
from tests.processes import ApiServer
from tests.scrape import delta, scrape, scraped_until, value

WATCH = """subscription($id: ID!) { executionUpdated(executionId: $id) {
  ... on ExecutionEvent { kind status } } }"""


@pytest.fixture
def api(database_url: str, redis_url: str) -> Iterator[ApiServer]:
    server = ApiServer({"DATABASE_URL": database_url, "REDIS_URL": redis_url}).start()
    yield server
    server.stop()


async def test_api_counts_operations_websockets_subscriptions_and_fan_out(
    factory: Factory, api: ApiServer
) -> None:
    org = await factory.org()
    user = await factory.user(org=org, role="admin")
    token = await factory.token(user, org)
    workflow = await factory.workflow(org, user, status="active")
    execution = await start_execution(workflow["id"], trigger_type="manual",
                                      triggered_by=user["id"], input={})
    url = f"{api.url}/metrics"
    before = await asyncio.to_thread(scrape, url)
    headers = auth(token, org)
    async with httpx.AsyncClient(base_url=api.url, headers=headers) as client:
        ok = await client.post("/graphql", json={"query": "{ __typename }"})
        bad = await client.post("/graphql", json={"query": "{ noSuchField }"})
    assert ok.status_code == 200 and bad.json()["errors"]
    async with session(api.url, headers) as ws:
        await ws.subscribe("1", WATCH, id=gid("Execution", execution.id))
        open_now = await scraped_until(
            url, lambda s: value(s, "flowplane_subscriptions") == 1, "one subscription")
        assert value(open_now, "flowplane_websocket_connections") == 1
        # The gauge counts the subscription before it joins the broker's stream; its first
        # replayed event comes after, so from there the cancel is fanned out live (a cancel
        # written before would only be replayed, and fan-out would measure no lag).
        first = (await ws.items("1", 1))[0]
        kinds = [(first["kind"], first["status"])]
        await cancel_execution(execution.id, actor_id=user["id"])
        while kinds[-1] != ("STATUS", "CANCELLED"):  # the rest of the replay, then live
            item = (await ws.items("1", 1))[0]
            kinds.append((item["kind"], item["status"]))
        delivered = await asyncio.to_thread(scrape, url)
    closed = await scraped_until(
        url, lambda s: value(s, "flowplane_websocket_connections") == 0, "the socket closed")
    assert value(closed, "flowplane_subscriptions") == 0
    assert delta(before, delivered, "flowplane_event_fanout_lag_seconds_count") >= 1
    for result, count in (("ok", 1), ("error", 1)):
        assert delta(before, closed, "flowplane_graphql_requests_total",
                     operation="query", result=result) == count
    assert delta(before, closed, "flowplane_graphql_request_duration_seconds_count",
                 operation="query") == 2
    assert delta(before, closed, "flowplane_graphql_requests_total",
                 operation="subscription", result="ok") == 1


def test_metrics_token_guards_the_api_metrics(database_url: str, redis_url: str) -> None:
    server = ApiServer({"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                        "FLOWPLANE_METRICS_TOKEN": "s3cret-scrape"}).start()
    try:
        anonymous = httpx.get(f"{server.url}/metrics")
        wrong = httpx.get(f"{server.url}/metrics", headers={"Authorization": "Bearer nope"})
        samples = scrape(f"{server.url}/metrics", token="s3cret-scrape")
    finally:
        server.stop()
    assert (anonymous.status_code, wrong.status_code) == (401, 401)
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert ("flowplane_websocket_connections", ()) in samples



async def test_multiprocess_mode_exports_what_the_processes_wrote(
    factory: Factory, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    """With PROMETHEUS_MULTIPROC_DIR (a forking server), /metrics sums the files the
    processes write there instead of reading one process's memory."""
    org = await factory.org()
    token = await factory.token(await factory.user(org=org), org)
    # A sibling process of the group (as a forked worker would be) counted 5 before exiting.
    sibling = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", (
        "from telemetry.metrics import GRAPHQL_REQUESTS; "
        "GRAPHQL_REQUESTS.labels('query', 'ok').inc(5)")],
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}, check=False)
    assert sibling.returncode == 0
    server = ApiServer({"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, headers=auth(token, org)) as client:
            for _ in range(2):
                await client.post("/graphql", json={"query": "{ __typename }"})
        samples = await asyncio.to_thread(scrape, f"{server.url}/metrics")
    finally:
        server.stop()
    assert value(samples, "flowplane_graphql_requests_total", operation="query",
                 result="ok") == 5 + 2
