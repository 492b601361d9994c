"""Execution queries and run / retry / cancel: data from the engine's tables, access inherited
from the workflow."""

from __future__ import annotations

from domain.executions import start_execution
from domain.recording import LogLine, SpanClose, SpanOpen, StatusChange, record
from tests.graphql_api.conftest import Caller, Cast
from tests.graphql_api.test_workflows import create

EXECUTIONS = """query($w: ID!, $filter: ExecutionFilter, $first: Int, $after: Cursor) {
  executions(workflowId: $w, filter: $filter, first: $first, after: $after) {
    __typename
    ... on ExecutionSummaryConnection { edges { cursor node { id status triggerType
          triggeredBy { handle } } } pageInfo { hasNextPage endCursor } }
  } }"""
EXECUTION = """query($id: ID!) { execution(id: $id) { __typename
  ... on Execution { id status input workflowVersion nodeOutputs { nodeId output }
        spans { kind nodeId status output children { kind nodeId status output error } }
        logs { level message nodeId } } } }"""


async def _finished_execution(caller: Caller, workflow_id: str) -> int:
    """An execution that ran one node and completed, recorded as the engine records it."""
    row = await start_execution(int(workflow_id), trigger_type="manual",
                                triggered_by=caller.user["id"], input={"n": 1})
    opened = await record(row["id"], status=StatusChange("running"),
                          open_spans=[SpanOpen(kind="attempt")])
    attempt = opened.span_ids[0]
    node = await record(row["id"], open_spans=[SpanOpen(kind="node", parent_id=attempt,
                                                        node_id="fetch")])
    await record(row["id"], status=StatusChange("completed"), outputs={"fetch": {"ok": True}},
                 close_spans=[SpanClose(node.span_ids[0], "completed", {"ok": True}),
                              SpanClose(attempt, "completed")],
                 logs=[LogLine("fetched", node_id="fetch", span_id=node.span_ids[0])])
    return int(row["id"])


async def test_execution_shows_its_span_tree_logs_and_outputs(cast: Cast) -> None:
    wid = (await create(cast.owner))["id"]
    execution_id = await _finished_execution(cast.owner, wid)
    data = (await cast.owner.gql(EXECUTION, id=str(execution_id)))["execution"]
    assert data["status"] == "COMPLETED" and data["input"] == {"n": 1}
    assert data["nodeOutputs"] == [{"nodeId": "fetch", "output": {"ok": True}}]
    [attempt] = data["spans"]
    assert attempt["kind"] == "attempt" and attempt["status"] == "completed"
    assert attempt["children"] == [{"kind": "node", "nodeId": "fetch", "status": "completed",
                                    "output": {"ok": True}, "error": None}]
    assert {"level": "info", "message": "fetched", "nodeId": "fetch"} in data["logs"]


async def test_executions_page_newest_first_with_filters(cast: Cast) -> None:
    wid = (await create(cast.owner))["id"]
    done = await _finished_execution(cast.owner, wid)
    pending = [await start_execution(int(wid), trigger_type="webhook", triggered_by=None,
                                     input={}) for _ in range(2)]
    page = (await cast.owner.gql(EXECUTIONS, w=wid, first=2))["executions"]
    assert [e["node"]["id"] for e in page["edges"]] == [str(r["id"]) for r in pending[::-1]]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = (await cast.owner.gql(EXECUTIONS, w=wid, first=2,
                                 after=page["pageInfo"]["endCursor"]))["executions"]
    assert [e["node"]["id"] for e in rest["edges"]] == [str(done)]
    assert rest["edges"][0]["node"]["triggeredBy"] == {"handle": "owner"}
    completed = await cast.owner.gql(EXECUTIONS, w=wid, filter={"status": "COMPLETED"})
    assert len(completed["executions"]["edges"]) == 1
    webhook = await cast.owner.gql(EXECUTIONS, w=wid, filter={"triggerType": "WEBHOOK"})
    assert len(webhook["executions"]["edges"]) == 2


async def test_executions_inherit_the_workflows_access(cast: Cast) -> None:
    wid = (await create(cast.owner, sharedWith=[cast.shared.id]))["id"]
    execution_id = str(await _finished_execution(cast.owner, wid))
    for name, visible in (("owner", True), ("shared", True), ("admin", True),
                          ("other", False), ("stranger", False)):
        caller = cast.all()[name]
        one = (await caller.gql(EXECUTION, id=execution_id))["execution"]["__typename"]
        assert one == ("Execution" if visible else "ExecutionNotFound"), name
        many = (await caller.gql(EXECUTIONS, w=wid))["executions"]["__typename"]
        assert many == ("ExecutionSummaryConnection" if visible else "WorkflowNotFound"), name


RUN = """mutation($w: ID!, $input: JSON) { runWorkflow(workflowId: $w, input: $input) {
  __typename ... on Execution { id status input triggerType } ... on Error { message } } }"""
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
    assert not_object["__typename"] == "InvalidInput"

