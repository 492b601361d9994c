"""The nested workflow list costs the same number of SQL statements for 5 or 50 workflows,
nested connections included."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from db import engine
from db.tables import WorkflowShare
from domain.recording import NewExecution, create
from tests.factory import Factory
from tests.graphql_api.conftest import Cast, gid

QUERY = """{ workflows(first: 50) { edges { node {
  id name executionCount owner { handle } sharedWith { handle }
  executions(first: 3) { nodes { id status input triggeredBy { handle } } }
  revisions(last: 1) { nodes { version author { handle } } }
} } } }"""


# What asyncpg's pool runs when a connection goes back to it: housekeeping, not our queries.
POOL_RESET = "SELECT pg_advisory_unlock_all()"


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, logged: Any) -> None:  # Any: asyncpg's LoggedQuery
        if not logged.query.startswith(POOL_RESET):
            self.count += 1


    async def init(self, connection: Any) -> None:  # Any: an asyncpg connection
        connection.add_query_logger(self)


@pytest.fixture
async def counter(db: str) -> AsyncIterator[StatementCounter]:
    """Every statement on every pooled connection (a fresh pool whose connections log)."""
    counting = StatementCounter()
    await engine.close_pool()
    await engine.engine().start_connection_pool(min_size=1, max_size=4, init=counting.init)
    try:
        yield counting
    finally:
        await engine.close_pool()
        await engine.start_pool()


async def _workflows(factory: Factory, cast: Cast, n: int) -> None:
    for _ in range(n):
        row = await factory.workflow(cast.owner.org, cast.owner.user)
        for user in (cast.shared, cast.other):
            await WorkflowShare(workflow=row["id"], user=user.user["id"]).save()
        for _ in range(2):
            await create(NewExecution(
                organization_id=cast.owner.org["id"], workflow_id=row["id"],
                trigger_type="manual", triggered_by=cast.owner.user["id"], input={},
                workflow_version=1, definition={"nodes": []}, max_attempts=1, queue_name="q"))


async def _statements(cast: Cast, counter: StatementCounter, expected: int) -> int:
    await asyncio.sleep(0)
    before = counter.count
    data = await cast.owner.gql(QUERY)
    await asyncio.sleep(0)  # query loggers are called soon after each statement
    edges = data["workflows"]["edges"]
    assert len(edges) == expected
    node = edges[0]["node"]
    assert len(node["sharedWith"]) == 2 and len(node["executions"]["nodes"]) == 2
    assert node["executions"]["nodes"][0]["triggeredBy"] == {"handle": "owner"}
    return counter.count - before


async def test_workflow_list_statements_do_not_grow_with_the_list(
    cast: Cast, factory: Factory, counter: StatementCounter
) -> None:
    await _workflows(factory, cast, 5)
    await _statements(cast, counter, 5)  # warm up: asyncpg introspects types once per connection
    small = await _statements(cast, counter, 5)
    await _workflows(factory, cast, 45)
    large = await _statements(cast, counter, 50)
    assert small == large, (small, large)
    # auth: token, last use, organization, membership; then the list, its execution counts,
    # its shares, the latest executions and the users they name (owners, sharedWith,
    # triggeredBy: preloaded per list), the last revisions; one level deeper the executions'
    # details (input) and the revisions' authors
    assert large <= 11, large


FIELDS = """fragment F on Workflow { id webhookUrl executionCount owner { handle }
  sharedWith { handle }
  recent: executions(first: $n) { nodes { id triggeredBy { handle } } }
  executions(last: 1) { edges { node { ... on Execution { id triggeredBy { handle } } } } } }"""
LIST = "query($n: Int) { workflows(first: 50) { nodes { ...F } } } " + FIELDS
ONE_BY_ONE = "query($ids: [ID!]!, $n: Int) { nodes(ids: $ids) { ...F } } " + FIELDS


async def test_preloaded_list_answers_as_the_loaders_do(cast: Cast, factory: Factory) -> None:
    """The list preloads (fragments, aliases, variables, literals); `nodes` does not: both
    answer the same, and a caller who only reads a public workflow gets no webhook URL."""
    await _workflows(factory, cast, 3)
    hooked = await factory.workflow(cast.owner.org, cast.owner.user, status="active",
                                    trigger={"type": "webhook"}, is_public=True,
                                    webhook_token="t0ken")
    listed = (await cast.owner.gql(LIST, n=1))["workflows"]["nodes"]
    ids = [node["id"] for node in listed]
    assert gid("Workflow", hooked["id"]) in ids
    assert listed == (await cast.owner.gql(ONE_BY_ONE, ids=ids, n=1))["nodes"]
    assert [len(node["recent"]["nodes"]) for node in listed] == [1, 1, 1, 0]
    assert listed[0]["sharedWith"] == [{"handle": "shared"}, {"handle": "other"}]
    assert listed[0]["recent"]["nodes"][0]["triggeredBy"] == {"handle": "owner"}
    assert listed[-1]["webhookUrl"] is not None
    public = (await cast.other.gql(LIST, n=1))["workflows"]["nodes"]
    assert [node["webhookUrl"] for node in public if node["id"] == listed[-1]["id"]] == [None]


NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Workflow { owner { handle } } } }"


async def _node_statements(cast: Cast, counter: StatementCounter, ids: list[str]) -> int:
    await asyncio.sleep(0)
    before = counter.count
    found = (await cast.owner.gql(NODES, ids=ids))["nodes"]
    await asyncio.sleep(0)
    assert [node["id"] for node in found] == ids
    return counter.count - before


async def test_nodes_reads_once_per_type_whatever_the_number_of_ids(
    cast: Cast, factory: Factory, counter: StatementCounter
) -> None:
    rows = [await factory.workflow(cast.owner.org, cast.owner.user) for _ in range(40)]
    ids = [gid("Workflow", row["id"]) for row in rows]
    await _node_statements(cast, counter, ids[:2])  # warm up
    assert await _node_statements(cast, counter, ids[:2]) == await _node_statements(
        cast, counter, ids)


SECRETS = "{ secrets(first: 100) { totalCount nodes { name setBy { handle } } } }"


async def _settled(counter: StatementCounter) -> int:
    """The count once the query loggers of statements already run have all been called."""
    seen = -1
    while seen != counter.count:
        seen = counter.count
        for _ in range(20):  # loggers are callbacks scheduled on the loop after each statement
            await asyncio.sleep(0)
    return seen


async def _secret_statements(cast: Cast, counter: StatementCounter, expected: int) -> int:
    before = await _settled(counter)  # the setSecret statements before are counted
    found = (await cast.owner.gql(SECRETS))["secrets"]
    await _settled(counter)
    assert found["totalCount"] == expected and found["nodes"][0]["setBy"] == {"handle": "admin"}
    return counter.count - before


async def test_secret_list_statements_do_not_grow_with_the_list(
    cast: Cast, counter: StatementCounter, secret_key: bytes
) -> None:
    from domain import secret_store
    from domain.access import Actor

    admin = Actor(cast.admin.user["id"], cast.admin.org["id"], "admin")
    for n in range(3):
        await secret_store.set_secret(admin.organization_id, f"s{n}", "v", actor=admin)
    await _secret_statements(cast, counter, 3)  # warm up
    small = await _secret_statements(cast, counter, 3)
    for n in range(3, 40):
        await secret_store.set_secret(admin.organization_id, f"s{n}", "v", actor=admin)
    large = await _secret_statements(cast, counter, 40)
    # auth (token, last use, organization, membership), the page, its count, the users; the
    # small list's count can include late-logged statements of the writes before it
    assert large <= small and large <= 7, (small, large)
