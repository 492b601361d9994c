"""Workflow queries and mutations over HTTP: lifecycle, versions, access matrix, git."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from db.tables import Organization
from domain.access import Actor
from domain.workflows import GitSource, create_workflow
from graphql_api.types.ids import global_id
from tests.domain.test_workflows import definition
from tests.graphql_api.conftest import Caller, Cast, gid

WORKFLOW = """
  __typename
  ... on Workflow { id name version status isPublic tags owner { handle }
                    sharedWith { handle } nodes { id type params } connections { from to on }
                    trigger { type } settings { maxAttempts } }
  ... on Error { message }
"""
RESULT = WORKFLOW + """
  ... on InvalidInput { errors { field message } }
  ... on VersionConflict { expectedVersion currentVersion }
  ... on GitManaged { sourcePath }
"""
CREATE = f"""mutation($input: CreateWorkflowInput!) {{
  createWorkflow(input: $input) {{ {WORKFLOW} ... on InvalidInput {{ errors {{ field message }} }}
  }} }}"""
UPDATE = f"""mutation($id: ID!, $input: UpdateWorkflowInput!, $v: Int) {{
  updateWorkflow(id: $id, input: $input, expectedVersion: $v) {{ {RESULT} }} }}"""
GET = f"query($id: ID!) {{ workflow(id: $id) {{ {WORKFLOW} }} }}"
BY_NAME = """query($name: String!) { workflow(name: $name) { __typename
  ... on Workflow { id } ... on WorkflowNotFound { workflowId } } }"""
SHARE = f"""mutation($w: ID!, $u: ID!) {{ shareWorkflow(workflowId: $w, userId: $u) {{
  {WORKFLOW} ... on InvalidInput {{ errors {{ field message }} }} }} }}"""
UNSHARE = f"""mutation($w: ID!, $u: ID!) {{ unshareWorkflow(workflowId: $w, userId: $u) {{
  {WORKFLOW} }} }}"""
DELETE = """mutation($id: ID!) { deleteWorkflow(id: $id) {
  __typename ... on WorkflowDeleted { deletedId } ... on Error { message } } }"""
ARCHIVE = f"mutation($id: ID!) {{ archiveWorkflow(id: $id) {{ {WORKFLOW} }} }}"
NODES = [{"id": "fetch", "type": "http.request", "params": {"url": "https://example.com"}},
         {"id": "shape", "type": "transform", "params": {"value": "{{ nodes.fetch.output }}"}}]


async def create(caller: Caller, name: str = "greeter", **extra: Any) -> dict[str, Any]:
    data = await caller.gql(CREATE, input={
        "name": name, "description": "fetch and shape", "tags": ["demo"], "nodes": NODES,
        "connections": [{"from": "fetch", "to": "shape"}], **extra})
    result: dict[str, Any] = data["createWorkflow"]
    assert result["__typename"] == "Workflow", result
    return result


async def test_create_returns_the_typed_workflow_at_version_1(cast: Cast) -> None:
    created = await create(cast.owner, sharedWith=[cast.shared.id])
    assert created["version"] == 1 and created["status"] == "DRAFT"
    assert created["owner"] == {"handle": "owner"}
    assert created["sharedWith"] == [{"handle": "shared"}]
    assert created["connections"] == [{"from": "fetch", "to": "shape", "on": "SUCCESS"}]
    assert created["nodes"][0] == {"id": "fetch", "type": "http.request",
                                   "params": {"url": "https://example.com"}}
    assert created["trigger"] == {"type": "MANUAL"} and created["settings"]["maxAttempts"] == 3


async def test_invalid_definition_is_reported_with_field_paths(cast: Cast) -> None:
    data = await cast.owner.gql(CREATE, input={
        "name": "Bad Name", "nodes": [{"id": "x", "type": "no.such.type"}],
        "connections": [{"from": "x", "to": "nowhere"}]})
    assert data["createWorkflow"]["__typename"] == "InvalidInput"
    data = await cast.owner.gql(CREATE, input={
        "name": "bad", "nodes": [{"id": "x", "type": "no.such.type"}],
        "connections": [{"from": "x", "to": "nowhere"}]})
    result = data["createWorkflow"]
    assert result["__typename"] == "InvalidInput"
    fields = {error["field"] for error in result["errors"]}
    assert any(field.startswith("input.nodes[0]") for field in fields), result
    assert any(field.startswith("input.connections[0]") for field in fields), result


async def test_oversized_definition_is_refused(cast: Cast) -> None:
    huge = [{"id": f"n{i}", "type": "transform", "params": {"value": "x" * 900}}
            for i in range(300)]
    data = await cast.owner.gql(CREATE, input={"name": "huge", "nodes": huge})
    result = data["createWorkflow"]
    assert result["__typename"] == "InvalidInput" and "bytes" in result["message"], result


async def test_every_save_increments_version_and_stale_writes_conflict(cast: Cast) -> None:
    wid = (await create(cast.owner))["id"]
    first = (await cast.owner.gql(UPDATE, id=wid, input={"tags": ["a"]}, v=1))["updateWorkflow"]
    assert (first["version"], first["tags"]) == (2, ["a"])
    renamed = (await cast.owner.gql(UPDATE, id=wid, input={"name": "greeter-2"}))
    assert renamed["updateWorkflow"]["version"] == 2  # a rename is not a definition save
    stale = (await cast.owner.gql(UPDATE, id=wid, input={"tags": ["b"]}, v=1))["updateWorkflow"]
    assert stale["__typename"] == "VersionConflict"
    assert (stale["expectedVersion"], stale["currentVersion"]) == (1, 2)
    data = await cast.owner.gql(
        "query($id: ID!) { workflow(id: $id) { ... on Workflow { tags revisions { nodes {"
        " version changes { path before after } } } } } }", id=wid)
    revisions = data["workflow"]["revisions"]["nodes"]
    assert [r["version"] for r in revisions] == [1, 2]
    assert revisions[1]["changes"] == [{"path": "tags", "before": ["demo"], "after": ["a"]}]


EXPECTED = {
    # caller: (read, write, admin)  — admin = delete / share / make public
    "owner": (True, True, True),
    "shared": (True, True, False),
    "other": (False, False, False),
    "admin": (True, True, True),
    "stranger": (False, False, False),
}


async def _check_access(caller: Caller, wid: str, read: bool, write: bool, admin: bool) -> None:
    got = (await caller.gql(GET, id=wid))["workflow"]["__typename"]
    assert got == ("Workflow" if read else "WorkflowNotFound")
    by_name = (await caller.gql(BY_NAME, name="greeter"))["workflow"]
    assert by_name == ({"__typename": "Workflow", "id": wid} if read else
                       {"__typename": "WorkflowNotFound", "workflowId": "greeter"})
    listed = await caller.gql("{ workflows { edges { node { id } } } }")
    assert ({"node": {"id": wid}} in listed["workflows"]["edges"]) is read
    update = (await caller.gql(UPDATE, id=wid, input={"description": caller.user["handle"]}))
    expected = "Workflow" if write else ("Forbidden" if read else "WorkflowNotFound")
    assert update["updateWorkflow"]["__typename"] == expected
    public = (await caller.gql(UPDATE, id=wid, input={"isPublic": True}))
    expected = "Workflow" if admin else ("Forbidden" if read else "WorkflowNotFound")
    assert public["updateWorkflow"]["__typename"] == expected
    share = (await caller.gql(SHARE, w=wid, u=caller.id))["shareWorkflow"]["__typename"]
    assert share == expected


@pytest.mark.parametrize("name", list(EXPECTED))
async def test_access_matrix_for_a_private_shared_workflow(cast: Cast, name: str) -> None:
    wid = (await create(cast.owner, sharedWith=[cast.shared.id]))["id"]
    await _check_access(cast.all()[name], wid, *EXPECTED[name])
    deleted = (await cast.all()[name].gql(DELETE, id=wid))["deleteWorkflow"]["__typename"]
    read, _, admin = EXPECTED[name]
    assert deleted == ("WorkflowDeleted" if admin else "Forbidden" if read else "WorkflowNotFound")


async def test_public_workflows_are_readable_by_every_member_only(cast: Cast) -> None:
    wid = (await create(cast.owner, isPublic=True))["id"]
    assert (await cast.other.gql(GET, id=wid))["workflow"]["__typename"] == "Workflow"
    update = await cast.other.gql(UPDATE, id=wid, input={"tags": ["x"]})
    assert update["updateWorkflow"]["__typename"] == "Forbidden"
    assert (await cast.stranger.gql(GET, id=wid))["workflow"]["__typename"] == "WorkflowNotFound"


async def test_sharing_is_a_set_of_members_of_the_same_organization(cast: Cast) -> None:
    wid = (await create(cast.owner))["id"]
    for _ in range(2):
        shared = (await cast.owner.gql(SHARE, w=wid, u=cast.shared.id))["shareWorkflow"]
    assert shared["sharedWith"] == [{"handle": "shared"}]
    outsider = (await cast.owner.gql(SHARE, w=wid, u=cast.stranger.id))["shareWorkflow"]
    assert outsider["__typename"] == "InvalidInput"
    assert outsider["errors"][0]["field"] == "userId"
    unshared = (await cast.owner.gql(UNSHARE, w=wid, u=cast.shared.id))["unshareWorkflow"]
    assert unshared["sharedWith"] == []
    assert (await cast.owner.gql(GET, id=wid))["workflow"]["sharedWith"] == []


async def test_archive_and_delete(cast: Cast) -> None:
    wid = (await create(cast.owner))["id"]
    archived = (await cast.shared.gql(ARCHIVE, id=wid))["archiveWorkflow"]
    assert archived["__typename"] == "WorkflowNotFound"
    archived = (await cast.owner.gql(ARCHIVE, id=wid))["archiveWorkflow"]
    assert archived["status"] == "ARCHIVED"
    deleted = (await cast.owner.gql(DELETE, id=wid))["deleteWorkflow"]
    assert deleted == {"__typename": "WorkflowDeleted", "deletedId": wid}
    assert (await cast.owner.gql(GET, id=wid))["workflow"]["__typename"] == "WorkflowNotFound"


async def test_ids_the_api_did_not_issue_are_invalid_input_and_unknown_ones_not_found(
    cast: Cast
) -> None:
    wid = (await create(cast.owner))["id"]
    execution = gid("Execution", 1)
    malformed = ("abc", "1", "99999999999", "-1", "¹", str(global_id("Workflow", 1))[:-2],
                 base64.urlsafe_b64encode(b"Workflow:2147483648").decode())
    for bad in (*malformed, execution):
        got = (await cast.owner.gql(GET, id=bad))["workflow"]
        assert got["__typename"] == "InvalidInput", (bad, got)
    assert "not a Workflow" in (await cast.owner.gql(
        "query($id: ID!) { workflow(id: $id) { ... on InvalidInput { errors { field message } }"
        " } }", id=execution))["workflow"]["errors"][0]["message"]
    missing = gid("Workflow", 999999)
    assert (await cast.owner.gql(GET, id=missing))["workflow"]["__typename"] == (
        "WorkflowNotFound")
    both = (await cast.owner.gql(
        "query($id: ID, $n: String) { workflow(id: $id, name: $n) { __typename } }",
        id=wid, n="greeter"))
    assert both["workflow"]["__typename"] == "InvalidInput"


async def test_git_managed_workflows_refuse_api_edits_naming_the_file(cast: Cast) -> None:
    actor = Actor(cast.owner.user["id"], cast.owner.org["id"], "member")
    row = await create_workflow(actor, "synced", definition(),
                                source=GitSource("workflows.d/synced.yaml", "abc", "h"))
    refused = (await cast.owner.gql(UPDATE, id=gid("Workflow", row.id), input={"tags": ["x"]}))
    result = refused["updateWorkflow"]
    assert result["__typename"] == "GitManaged"
    assert result["sourcePath"] == "workflows.d/synced.yaml"
    assert "workflows.d/synced.yaml" in result["message"]
    await Organization.update({Organization.allow_git_overrides: True}).where(
        Organization.id == cast.owner.org["id"])
    allowed = (await cast.owner.gql(UPDATE, id=gid("Workflow", row.id), input={"tags": ["x"]}))
    assert allowed["updateWorkflow"]["version"] == 2
