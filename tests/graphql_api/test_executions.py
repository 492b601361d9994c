"""Execution queries and run / retry / cancel: data from the engine's tables, access inherited
from the workflow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from domain._sql import fetch
from domain.executions import start_execution
from domain.recording import LogLine, Outputs, SpanClose, SpanOpen, StatusChange, record
from graphql_api.types.ids import parse_global_id
from tests.graphql_api.conftest import Caller, Cast, gid
from tests.graphql_api.test_workflows import create

EXECUTIONS = """query($filter: ExecutionFilter, $first: Int, $after: Cursor) {
  executions(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id status triggerType triggeredBy { handle } workflow { name } } }
    pageInfo { hasNextPage endCursor } } }"""
EXECUTION = """query($id: ID!) { execution(id: $id) { __typename
  ... on Execution { id status input workflowVersion nodeOutputs { nodeId output }
        spans { kind nodeId status output children { kind nodeId status output error } }
        logs { nodes { level message nodeId } } } } }"""


def key(global_id: str) -> int:
    """The row id behind a global id (tests create rows through the domain)."""
    parsed = parse_global_id(global_id)
    assert parsed is not None, global_id
    return parsed[1]


async def _finished_execution(caller: Caller, workflow_id: str) -> str:
    """An execution that ran one node and completed, recorded as the engine records it."""
    row = await start_execution(key(workflow_id), trigger_type="manual",
                                triggered_by=caller.user["id"], input={"n": 1})
    opened = await record(row.id, StatusChange("running"), SpanOpen(kind="attempt"))
    attempt = opened.span_ids[0]
    node = await record(row.id, SpanOpen(kind="node", parent_id=attempt,
                                                        node_id="fetch"))
    await record(row.id, StatusChange("completed"), Outputs({"fetch": {"ok": True}}),
                 SpanClose(node.span_ids[0], "completed", {"ok": True}),
                 SpanClose(attempt, "completed"),
                 LogLine("fetched", node_id="fetch", span_id=node.span_ids[0]))
    return gid("Execution", row.id)


async def test_execution_shows_its_span_tree_logs_and_outputs(cast: Cast) -> None:
    wid = (await create(cast.owner))["id"]
    execution_id = await _finished_execution(cast.owner, wid)
    data = (await cast.owner.gql(EXECUTION, id=execution_id))["execution"]
    assert data["status"] == "COMPLETED" and data["input"] == {"n": 1}
    assert data["nodeOutputs"] == [{"nodeId": "fetch", "output": {"ok": True}}]
    [attempt] = data["spans"]
    assert attempt["kind"] == "ATTEMPT" and attempt["status"] == "COMPLETED"
    assert attempt["children"] == [{"kind": "NODE", "nodeId": "fetch", "status": "COMPLETED",
                                    "output": {"ok": True}, "error": None}]
    assert {"level": "INFO", "message": "fetched", "nodeId": "fetch"} in data["logs"]["nodes"]


async def test_executions_page_newest_first_with_filters(cast: Cast) -> None:
    wid = (await create(cast.owner))["id"]
    done = await _finished_execution(cast.owner, wid)
    pending = [await start_execution(key(wid), trigger_type="webhook", triggered_by=None,
                                     input={}) for _ in range(2)]
    mine = {"workflowId": wid}
    page = (await cast.owner.gql(EXECUTIONS, filter=mine, first=2))["executions"]
    assert [e["node"]["id"] for e in page["edges"]] == [
        gid("Execution", r.id) for r in pending[::-1]]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = (await cast.owner.gql(EXECUTIONS, filter=mine, first=2,
                                 after=page["pageInfo"]["endCursor"]))["executions"]
    assert [e["node"]["id"] for e in rest["edges"]] == [done]
    assert rest["edges"][0]["node"]["triggeredBy"] == {"handle": "owner"}
    assert rest["edges"][0]["node"]["workflow"] == {"name": "greeter"}
    completed = await cast.owner.gql(EXECUTIONS, filter={**mine, "status": "COMPLETED"})
    assert len(completed["executions"]["edges"]) == 1
    webhook = await cast.owner.gql(EXECUTIONS, filter={**mine, "triggerType": "WEBHOOK"})
    assert len(webhook["executions"]["edges"]) == 2
    by_owner = await cast.owner.gql(EXECUTIONS, filter={"triggeredBy": cast.owner.id})
    assert [e["node"]["id"] for e in by_owner["executions"]["edges"]] == [done]


async def test_executions_inherit_the_workflows_access(cast: Cast) -> None:
    wid = (await create(cast.owner, sharedWith=[cast.shared.id]))["id"]
    execution_id = await _finished_execution(cast.owner, wid)
    for name, visible in (("owner", True), ("shared", True), ("admin", True),
                          ("other", False), ("stranger", False)):
        caller = cast.all()[name]
        one = (await caller.gql(EXECUTION, id=execution_id))["execution"]["__typename"]
        assert one == ("Execution" if visible else "ExecutionNotFound"), name
        for where in ({"workflowId": wid}, None):  # one workflow's, the organization's
            many = (await caller.gql(EXECUTIONS, filter=where))["executions"]["edges"]
            assert [e["node"]["id"] for e in many] == ([execution_id] if visible else []), name


RUN = """mutation($w: ID!, $input: JSON) { runWorkflow(workflowId: $w, input: $input) {
  __typename ... on Execution { id status input triggerType } ... on Error { message code } } }"""
RETRY = """mutation($id: ID!) { retryExecution(id: $id, from: START, version: LATEST) {
  __typename ... on Execution { id status } ... on Error { message } } }"""
CANCEL = """mutation($id: ID!) { cancelExecution(id: $id) {
  __typename ... on Execution { id status } ... on Error { message } } }"""


async def test_run_retry_and_cancel_need_write_access(cast: Cast) -> None:
    wid = (await create(cast.owner, isPublic=True))["id"]
    expected = {"owner": "Execution", "admin": "Execution", "other": "Forbidden",
                "stranger": "WorkflowNotFound"}
    for name, typename in expected.items():
        ran = (await cast.all()[name].gql(RUN, w=wid, input={"x": 1}))["runWorkflow"]
        assert ran["__typename"] == typename, (name, ran)
    ran = (await cast.owner.gql(RUN, w=wid, input={"x": 1}))["runWorkflow"]
    assert (ran["status"], ran["input"], ran["triggerType"]) == ("PENDING", {"x": 1}, "MANUAL")
    assert (await cast.other.gql(CANCEL, id=ran["id"]))["cancelExecution"]["__typename"] == (
        "Forbidden")
    cancelled = (await cast.owner.gql(CANCEL, id=ran["id"]))["cancelExecution"]
    assert cancelled["status"] == "CANCELLED"
    retried = (await cast.owner.gql(RETRY, id=ran["id"]))["retryExecution"]
    assert retried["__typename"] == "Execution" and retried["id"] != ran["id"]
    assert (await cast.stranger.gql(RETRY, id=ran["id"]))["retryExecution"]["__typename"] == (
        "ExecutionNotFound")
    not_object = (await cast.owner.gql(RUN, w=wid, input=[1]))["runWorkflow"]
    assert (not_object["__typename"], not_object["code"]) == ("InvalidInput", "INVALID_INPUT")
    finished = (await cast.owner.gql(CANCEL, id=retried["id"]))["cancelExecution"]
    assert finished["__typename"] == "Execution"  # pending: cancelled at once
    again = (await cast.owner.gql(
        """mutation($id: ID!) { cancelExecution(id: $id) { __typename
           ... on ExecutionFinished { status } ... on Execution { status } } }""",
        id=(await _finished_execution(cast.owner, wid))))["cancelExecution"]
    assert again == {"__typename": "ExecutionFinished", "status": "COMPLETED"}



# Every transaction that creates an execution holds its locks a moment longer when it commits
# (a deferred trigger), so runs that queued on a row another one holds would be seen waiting.
_SLOW_COMMIT = (
    "CREATE FUNCTION test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN PERFORM pg_sleep(0.2); RETURN NULL; END $$",
    "CREATE CONSTRAINT TRIGGER test_slow_commit AFTER INSERT ON execution DEFERRABLE"
    " INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_slow_commit()",
)
# Sessions of this database waiting for a lock, but not for NOTIFY's commit lock (an `object`
# lock on database 0, which every transaction that announces an event takes in turn) nor for a
# relation extension lock (`extend`: inserts growing a table's file by a page, whatever the
# rows; seen under load).
_WAITING = """
SELECT l.locktype, coalesce(l.relation::regclass::text, l.transactionid::text, '') AS target
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE NOT l.granted AND a.datname = current_database() AND l.pid <> pg_backend_pid()
AND NOT (l.locktype = 'object' AND l.database = 0 AND l.objid = 0) AND l.locktype <> 'extend'
"""


@pytest.fixture
async def slow_commits(db: str) -> AsyncIterator[None]:
    for statement in _SLOW_COMMIT:
        await fetch(statement)
    try:
        yield
    finally:
        await fetch("DROP TRIGGER IF EXISTS test_slow_commit ON execution")
        await fetch("DROP FUNCTION IF EXISTS test_slow_commit()")


async def _waits(stop: asyncio.Event, seen: list[tuple[str, str]]) -> int:
    samples = 0
    while not stop.is_set():
        seen += [(str(r["locktype"]), str(r["target"])) for r in await fetch(_WAITING)]
        samples += 1
        await asyncio.sleep(0.005)
    return samples


async def test_concurrent_runs_of_one_workflow_never_wait_for_each_other_and_all_count(
    cast: Cast, slow_commits: None
) -> None:
    wid = (await create(cast.owner))["id"]
    stop, seen = asyncio.Event(), []
    sampling = asyncio.create_task(_waits(stop, seen))
    try:
        runs = await asyncio.wait_for(asyncio.gather(*(
            cast.owner.gql(RUN, w=wid, input={"n": n}) for n in range(20))), 60)
    finally:
        stop.set()
    samples = await asyncio.wait_for(sampling, 10)
    assert [r["runWorkflow"]["__typename"] for r in runs] == ["Execution"] * 20
    assert samples >= 5 and seen == []
    count = await cast.owner.gql("query($w: ID!) { node(id: $w) { ... on Workflow {"
                                 " executionCount } } }", w=wid)
    assert count["node"]["executionCount"] == 20
