"""Hostile requests get clear errors: depth, aliases, tokens, body size; unexpected errors
are masked; field suggestions are off outside dev mode; pages are capped."""

from __future__ import annotations

import httpx

from db.tables import Workflow
from graphql_api import documents
from graphql_api.documents import MAX_SELECTIONS
from graphql_api.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from graphql_api.schema import build_schema
from graphql_api.types.pagination import MAX_PAGE
from tests.graphql_api.conftest import Cast


async def _error(caller_response: httpx.Response) -> str:
    body = caller_response.json()
    assert body.get("data") is None, body
    return str(body["errors"][0]["message"])


async def test_queries_deeper_than_the_limit_are_refused(cast: Cast) -> None:
    deep = "{ workflows { edges { node { owner { handle } } } } }"
    nested = '{ execution(id: "x") { ... on Execution { spans { ' + "children { " * MAX_DEPTH
    nested += "id" + " }" * MAX_DEPTH + " } } } }"
    message = await _error(await cast.owner.post(nested))
    assert "exceeds maximum operation depth" in message
    assert "errors" not in (await cast.owner.post(deep)).json()


async def test_too_many_aliases_are_refused(cast: Cast) -> None:
    aliases = " ".join(f"a{i}: me {{ email }}" for i in range(MAX_ALIASES + 1))
    message = await _error(await cast.owner.post("{ " + aliases + " }"))
    assert "aliases found" in message


async def test_too_many_tokens_are_refused(cast: Cast) -> None:
    fields = " ".join(["__typename"] * (MAX_TOKENS + 1))
    message = await _error(await cast.owner.post("{ " + fields + " }"))
    assert f"more than {MAX_TOKENS} tokens" in message


async def test_documents_past_the_selection_limit_are_refused_before_validation(
    cast: Cast,
) -> None:
    """Validation is quadratic in duplicate fields: such documents never reach it, also when
    fragments multiply a small document's selections."""
    duplicates = "{ " + " ".join(["me { email }"] * 490) + " }"
    fragments = ("fragment A on Me { email } fragment B on Me { ...A ...A ...A ...A } "
                 "fragment C on Me { ...B ...B ...B ...B } fragment D on Me { ...C ...C ...C } "
                 "{ me { ...D ...D ...D } }")
    for query in (duplicates, fragments):
        before = documents._validate.cache_info()
        body = (await cast.owner.post(query)).json()
        assert body["errors"][0]["extensions"] == {"code": "TOO_MANY_SELECTIONS"}, body
        assert f"more than {MAX_SELECTIONS} fields" in body["errors"][0]["message"]
        assert documents._validate.cache_info() == before  # validation never ran
    within = "{ " + " ".join(f"a{i}: me {{ email }}" for i in range(MAX_ALIASES)) + " }"
    assert "errors" not in (await cast.owner.post(within)).json()


def test_selection_count_expands_fragments_and_stops_past_the_limit() -> None:
    from graphql import parse

    cases = {
        "{ me { email } }": 2,
        "fragment F on Me { email } { me { ...F ...F } }": 5,
        "fragment F on Me { email } fragment U on Me { role } { me { ...F } }": 4,
        "fragment F on Me { email ...F } { me { ...F } }": 4,  # a cycle is counted once
    }
    for query, expected in cases.items():
        assert documents.selection_count(parse(query), 100) == expected, query
    bomb = "fragment A on Me { a b } " + " ".join(
        f"fragment {chr(66 + i)} on Me {{ " + f"...{chr(65 + i)} " * 8 + "}" for i in range(8)
    ) + " { me { ...I } }"
    assert documents.selection_count(parse(bomb), 100) <= 100 + 8


async def test_oversized_bodies_are_refused_with_413(cast: Cast, client: httpx.AsyncClient) -> None:
    from domain.settings import get_settings

    limit = get_settings().max_request_bytes
    response = await client.post(
        "/graphql", content=b'{"query": "' + b" " * (limit + 1) + b'{ me { email } }"}',
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {cast.owner.token}",
                 "X-Organization-ID": "acme"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"] == {"code": "REQUEST_TOO_LARGE"}


async def test_field_suggestions_are_off_outside_dev_mode() -> None:
    production = await build_schema(dev_mode=False).execute("{ workflowz { edges { cursor } } }")
    development = await build_schema(dev_mode=True).execute("{ workflowz { edges { cursor } } }")
    assert production.errors and "Did you mean" not in production.errors[0].message
    assert development.errors and "Did you mean" in development.errors[0].message


async def test_page_sizes_beyond_the_maximum_are_refused_not_clamped(cast: Cast) -> None:
    """More rows than the largest page: the largest page is served in full, one more row is
    an error naming the argument, never a silently shortened page."""
    await Workflow.insert(*(Workflow(organization=cast.owner.org["id"],
                                     owner=cast.owner.user["id"], name=f"wf-{i}")
                            for i in range(MAX_PAGE + 5)))
    query = "query($n: Int) { workflows(first: $n) { totalCount edges { node { id } } } }"
    full = (await cast.owner.gql(query, n=MAX_PAGE))["workflows"]
    assert (full["totalCount"], len(full["edges"])) == (MAX_PAGE + 5, MAX_PAGE)
    for size in (MAX_PAGE + 1, 100_000, -5):
        for argument in ("first", "last"):
            body = (await cast.owner.post(query.replace("first", argument), n=size)).json()
            assert body["data"] is None, (size, body)
            [error] = body["errors"]
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
            assert error["message"] == (
                f"{argument}: must be between 0 and {MAX_PAGE}, got {size}"), error
    both = (await cast.owner.post("{ workflows(first: 1, last: 1) { edges { cursor } } }"))
    assert both.json()["errors"][0]["message"] == "last: give first or last, not both"


async def test_bad_cursors_are_request_errors(cast: Cast) -> None:
    message = await _error(await cast.owner.post(
        'query { workflows(after: "%%%not-base64") { edges { cursor } } }'))
    assert "Cursor" in message or "cursor" in message
    executions = (await cast.owner.gql("{ executions(first: 1) { pageInfo { endCursor } } }"))
    assert executions["executions"]["pageInfo"]["endCursor"] is None
    other_list = await cast.owner.post(
        'query($c: Cursor) { workflows(after: $c) { edges { cursor } } }',
        c="WyJzeW5jUnVucyIsIDFd")  # a syncRuns cursor
    assert other_list.json()["errors"][0]["message"] == "after: not a cursor of this list"


async def test_ids_with_non_ascii_digits_are_invalid_input(cast: Cast) -> None:
    """str.isdigit() accepts "¹" and "٣"; ids must be ASCII (found by schemathesis)."""
    for text in ("¹", "٣", "99999999999999999999", "V29ya2Zsb3c6wrk"):
        data = await cast.owner.gql(
            "query($id: ID!) { workflow(id: $id) { __typename } }", id=text
        )
        assert data == {"workflow": {"__typename": "InvalidInput"}}
    response = await cast.owner.client.post(
        "/graphql", json={"query": "{ me { email } }"},
        headers={"Authorization": f"Bearer {cast.owner.token}", "X-Organization-ID": "¹".encode()},
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
