"""Relay connections paged forward (`first`/`after`) and backward (`last`/`before`) over a few
hundred rows: every row exactly once, in list order, with pageInfo telling the truth at both
ends; a window between two cursors; cursors of one list refused by another."""

from __future__ import annotations

from typing import Any

from domain._sql import fetch
from tests.graphql_api.conftest import Caller, Cast, gid
from tests.graphql_api.test_executions import _finished_execution, key
from tests.graphql_api.test_workflows import create

ROWS = 250
PAGE = "edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
WORKFLOWS = ("query($first: Int, $after: Cursor, $last: Int, $before: Cursor) {"
             " workflows(first: $first, after: $after, last: $last, before: $before) {"
             f" totalCount {PAGE} }} }}")
EXECUTIONS = ("query($first: Int, $after: Cursor, $last: Int, $before: Cursor) {"
              " executions(first: $first, after: $after, last: $last, before: $before) {"
              f" {PAGE} }} }}")
LOGS = ("query($id: ID!, $first: Int, $after: Cursor, $last: Int, $before: Cursor) {"
        " execution(id: $id) { ... on Execution { logs(first: $first, after: $after,"
        f" last: $last, before: $before) {{ {PAGE} }} }} }} }}")


def _connection(data: dict[str, Any]) -> dict[str, Any]:
    found = next(iter(data.values()))
    result: dict[str, Any] = found.get("logs", found)
    return result


async def _walk(caller: Caller, query: str, size: int, forward: bool,
                **variables: Any) -> list[str]:
    """Every node id, page by page, in list order; checks pageInfo on the way."""
    seen: list[list[str]] = []
    cursor = None
    while True:
        args = {"first": size, "after": cursor} if forward else {"last": size, "before": cursor}
        page = _connection(await caller.gql(query, **args, **variables))
        ids = [edge["node"]["id"] for edge in page["edges"]]
        info = page["pageInfo"]
        assert len(ids) == size or not (info["hasNextPage"] if forward else
                                        info["hasPreviousPage"]), info
        assert (info["startCursor"], info["endCursor"]) == (
            page["edges"][0]["cursor"], page["edges"][-1]["cursor"]) if ids else (None, None)
        # Paging forward, a page after a cursor has rows before it (and backward the mirror).
        assert (info["hasPreviousPage"] if forward else info["hasNextPage"]) is (
            cursor is not None), info
        seen.append(ids)
        more = info["hasNextPage"] if forward else info["hasPreviousPage"]
        if not more:
            break
        cursor = info["endCursor"] if forward else info["startCursor"]
    pages = seen if forward else seen[::-1]
    return [id for page in pages for id in page]


async def _both_ways(caller: Caller, query: str, expected: list[str], **variables: Any) -> None:
    for size in (37, 100):
        assert await _walk(caller, query, size, True, **variables) == expected
        assert await _walk(caller, query, size, False, **variables) == expected


async def test_workflows_page_both_ways_over_hundreds_of_rows(cast: Cast) -> None:
    rows = await fetch(
        "INSERT INTO workflow (organization, owner, name) SELECT $1, $2, 'wf-' || n"
        " FROM generate_series(1, $3) AS n RETURNING id",
        cast.owner.org["id"], cast.owner.user["id"], ROWS)
    expected = [gid("Workflow", row["id"]) for row in sorted(rows, key=lambda r: r["id"])]
    await _both_ways(cast.owner, WORKFLOWS, expected)
    page = (await cast.owner.gql(WORKFLOWS, first=1))["workflows"]
    assert page["totalCount"] == ROWS
    assert (await cast.stranger.gql(WORKFLOWS, first=5))["workflows"]["edges"] == []


async def test_a_window_between_two_cursors(cast: Cast) -> None:
    for n in range(12):
        await create(cast.owner, name=f"wf-{n}")
    all_edges = (await cast.owner.gql(WORKFLOWS, first=12))["workflows"]["edges"]
    after, before = all_edges[2]["cursor"], all_edges[9]["cursor"]
    inner = [e["node"]["id"] for e in all_edges[3:9]]
    window = (await cast.owner.gql(WORKFLOWS, first=4, after=after, before=before))["workflows"]
    assert [e["node"]["id"] for e in window["edges"]] == inner[:4]
    assert window["pageInfo"]["hasNextPage"] is True
    tail = (await cast.owner.gql(WORKFLOWS, last=4, after=after, before=before))["workflows"]
    assert [e["node"]["id"] for e in tail["edges"]] == inner[-4:]
    assert tail["pageInfo"]["hasPreviousPage"] is True
    everything = (await cast.owner.gql(WORKFLOWS, first=20, after=after, before=before))
    assert [e["node"]["id"] for e in everything["workflows"]["edges"]] == inner
    assert everything["workflows"]["pageInfo"]["hasNextPage"] is False


async def test_executions_newest_first_page_both_ways(cast: Cast) -> None:
    workflow = (await create(cast.owner))["id"]
    rows = await fetch(
        "WITH made AS (INSERT INTO execution (organization, workflow, workflow_version,"
        " definition, created_at) SELECT $1, $2, 1, '{}', now() - make_interval(secs => n % 7)"
        " FROM generate_series(1, $3) AS n RETURNING id, organization, workflow, created_at)"
        " INSERT INTO execution_summary (execution, organization, workflow, status,"
        " trigger_type, created_at) SELECT id, organization, workflow, 'pending', 'manual',"
        " created_at FROM made RETURNING execution, created_at",
        cast.owner.org["id"], key(workflow), ROWS)
    # Many executions share a creation time: the id breaks ties, so none is lost or repeated.
    newest = sorted(rows, key=lambda r: (r["created_at"], r["execution"]), reverse=True)
    await _both_ways(cast.owner, EXECUTIONS, [gid("Execution", r["execution"]) for r in newest])


async def test_an_executions_log_pages_both_ways(cast: Cast) -> None:
    execution = await _finished_execution(cast.owner, (await create(cast.owner))["id"])
    await fetch("INSERT INTO execution_log (execution, message) SELECT $1, 'line ' || n"
                " FROM generate_series(1, $2) AS n", key(execution), ROWS)
    rows = await fetch("SELECT id FROM execution_log WHERE execution = $1 ORDER BY id",
                       key(execution))
    assert len(rows) == ROWS + 1  # and the one the run wrote
    await _both_ways(cast.owner, LOGS, [gid("LogLine", r["id"]) for r in rows], id=execution)
