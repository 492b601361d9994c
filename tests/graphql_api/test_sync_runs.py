"""syncRuns, syncRun and syncNow, and each workflow's syncStatus / syncError: members of the
organization read its runs, only admins start one, other organizations see nothing."""

from __future__ import annotations

from typing import Any

from domain.sync_runs import FileResult, finish_run, set_sync_statuses, start_run
from tests.factory import Factory
from tests.graphql_api.conftest import Cast, gid

RUNS = """query($first: Int, $after: Cursor) { syncRuns(first: $first, after: $after) {
  edges { cursor node { id commit status counts } } pageInfo { hasNextPage endCursor } } }"""
RUN = """query($id: ID!) { syncRun(id: $id) { __typename
  ... on SyncRun { id repo branch commit status dryRun counts error startedAt endedAt
    files { path kind name action status error line column } }
  ... on Error { message } } }"""
SYNC_NOW = """mutation { syncNow { __typename ... on SyncRun { id status }
  ... on Error { message } } }"""
SYNC_FIELDS = "query($id: ID!) { workflow(id: $id) { ... on Workflow { syncStatus syncError } } }"


async def recorded_run(org: dict[str, Any], commit: str, files: list[FileResult]) -> int:
    run_id = await start_run(int(org["id"]), "/repo", "main")
    await finish_run(run_id, status="partial" if files else "succeeded", commit=commit,
                     counts={"create": 1}, plan=[], files=files)
    return run_id


async def test_sync_runs_are_listed_newest_first_page_by_page(cast: Cast) -> None:
    ids = [await recorded_run(cast.owner.org, f"c{n}", []) for n in range(3)]
    first = (await cast.other.gql(RUNS, first=2))["syncRuns"]
    assert [e["node"]["id"] for e in first["edges"]] == [gid("SyncRun", ids[2]),
                                                         gid("SyncRun", ids[1])]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await cast.other.gql(RUNS, first=2, after=first["pageInfo"]["endCursor"]))["syncRuns"]
    assert [e["node"]["id"] for e in rest["edges"]] == [gid("SyncRun", ids[0])]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert first["edges"][0]["node"] | {"id": None} == {
        "id": None, "commit": "c2", "status": "SUCCEEDED", "counts": {"create": 1}}


async def test_sync_runs_page_sizes_out_of_range_are_refused(cast: Cast) -> None:
    await recorded_run(cast.owner.org, "c0", [])
    for first in (10_000, -5):
        body = (await cast.owner.post(RUNS, first=first)).json()
        assert body["data"] is None, body
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "first"}


async def test_sync_run_shows_its_file_results(cast: Cast) -> None:
    files = [
        FileResult("workflows.d/bad.yaml", "invalid", "failed", error="spec.nodes: required",
                   line=3, column=5),
        FileResult("workflows.d/a.yaml", "create", "ok", "Workflow", "a"),
    ]
    run_id = await recorded_run(cast.owner.org, "abc", files)
    run = (await cast.owner.gql(RUN, id=gid("SyncRun", run_id)))["syncRun"]
    assert run["__typename"] == "SyncRun" and run["status"] == "PARTIAL"
    assert (run["repo"], run["branch"], run["commit"], run["dryRun"]) == (
        "/repo", "main", "abc", False)
    assert run["endedAt"] is not None
    assert run["files"] == [
        {"path": "workflows.d/bad.yaml", "kind": None, "name": None, "action": "INVALID",
         "status": "FAILED", "error": "spec.nodes: required", "line": 3, "column": 5},
        {"path": "workflows.d/a.yaml", "kind": "Workflow", "name": "a", "action": "CREATE",
         "status": "OK", "error": None, "line": None, "column": None},
    ]


async def test_runs_of_another_organization_are_not_found(cast: Cast) -> None:
    run_id = await recorded_run(cast.owner.org, "abc", [])
    gone = (await cast.stranger.gql(RUN, id=gid("SyncRun", run_id)))["syncRun"]
    assert gone["__typename"] == "NotFound"
    assert (await cast.stranger.gql(RUNS))["syncRuns"]["edges"] == []
    malformed = (await cast.owner.gql(RUN, id="not-an-id"))["syncRun"]
    assert malformed["__typename"] == "InvalidInput"


async def test_sync_now_queues_one_run_for_admins_only(cast: Cast) -> None:
    refused = (await cast.owner.gql(SYNC_NOW))["syncNow"]
    assert refused["__typename"] == "Forbidden"
    assert (await cast.owner.gql(RUNS))["syncRuns"]["edges"] == []
    queued = (await cast.admin.gql(SYNC_NOW))["syncNow"]
    assert queued["__typename"] == "SyncRun" and queued["status"] == "REQUESTED"
    again = (await cast.admin.gql(SYNC_NOW))["syncNow"]
    assert again["id"] == queued["id"]
    assert (await cast.stranger.gql(RUNS))["syncRuns"]["edges"] == []


async def test_workflow_shows_its_sync_status_and_error(cast: Cast, factory: Factory) -> None:
    workflow = await factory.workflow(cast.owner.org, cast.owner.user, is_public=True)
    data = await cast.owner.gql(SYNC_FIELDS, id=gid("Workflow", workflow["id"]))
    assert data["workflow"] == {"syncStatus": None, "syncError": None}
    await set_sync_statuses(int(cast.owner.org["id"]),
                            [(int(workflow["id"]), "error", "a.yaml:3:5: bad node")])
    data = await cast.other.gql(SYNC_FIELDS, id=gid("Workflow", workflow["id"]))
    assert data["workflow"] == {"syncStatus": "ERROR", "syncError": "a.yaml:3:5: bad node"}
