"""Authentication and tenancy over HTTP: bearer token, organization header, membership; a
request without valid credentials is refused before its document is even parsed."""

from __future__ import annotations

import httpx

from graphql_api import documents
from tests.factory import Factory
from tests.graphql_api.conftest import Cast

QUERY = "{ workflows { edges { node { id } } } }"


async def _refused(
    client: httpx.AsyncClient, headers: dict[str, str], query: str = QUERY
) -> httpx.Response:
    response = await client.post("/graphql", json={"query": query}, headers=headers)
    body = response.json()
    assert "data" not in body, body  # refused before execution: no `data` entry at all
    return response


async def test_missing_or_bad_credentials_get_401_with_a_bearer_challenge(
    cast: Cast, client: httpx.AsyncClient
) -> None:
    cases = {
        "missing credentials": ({}, 'Bearer realm="flowplane"'),
        "must be 'Bearer": ({"Authorization": "Basic abc"}, 'Bearer realm="flowplane"'),
        "not valid": ({"Authorization": "Bearer fp_nope", "X-Organization-ID": "acme"},
                      'Bearer realm="flowplane", error="invalid_token"'),
    }
    for expected, (headers, challenge) in cases.items():
        response = await _refused(client, headers)
        assert response.status_code == 401, expected
        assert response.headers["www-authenticate"] == challenge, expected
        error = response.json()["errors"][0]
        assert error["extensions"] == {"code": "UNAUTHENTICATED"}, expected
        assert expected in error["message"], (expected, error)


async def test_an_organization_the_token_does_not_open_gets_403(
    cast: Cast, client: httpx.AsyncClient
) -> None:
    token = cast.owner.token
    cases = {
        "missing organization": {"Authorization": f"Bearer {token}"},
        "does not exist or you are not a member": {
            "Authorization": f"Bearer {token}", "X-Organization-ID": "globex"},
        "not a member": {"Authorization": f"Bearer {token}", "X-Organization-ID": "nope"},
    }
    for expected, headers in cases.items():
        response = await _refused(client, headers)
        assert response.status_code == 403, expected
        error = response.json()["errors"][0]
        assert error["extensions"] == {"code": "FORBIDDEN"}, expected
        assert expected in error["message"], (expected, error)


async def test_an_anonymous_document_is_neither_parsed_nor_validated(
    client: httpx.AsyncClient, db: str
) -> None:
    """490 duplicate fields cost over a second of validation: anonymous, they cost nothing."""
    expensive = "{ " + " ".join(["me { email }"] * 490) + " }"
    before = (documents._parse.cache_info(), documents._validate.cache_info())
    for query in (expensive, "{ me { email ", QUERY):
        response = await _refused(client, {"Authorization": "Bearer fp_nope"}, query)
        assert response.status_code == 401
    assert (documents._parse.cache_info(), documents._validate.cache_info()) == before


async def test_organization_header_takes_id_or_slug(cast: Cast, client: httpx.AsyncClient) -> None:
    for ref in ("acme", str(cast.owner.org["id"])):
        response = await client.post("/graphql", json={"query": "{ me { user { handle } role } }"},
                                     headers={"Authorization": f"Bearer {cast.owner.token}",
                                              "X-Organization-ID": ref})
        assert response.json() == {"data": {"me": {"user": {"handle": "owner"},
                                                   "role": "MEMBER"}}}


async def test_a_token_scoped_to_an_org_is_refused_for_another(
    cast: Cast, client: httpx.AsyncClient, factory: Factory
) -> None:
    both = await factory.user("both", cast.owner.org)
    from db.tables import Membership

    await Membership(organization=cast.stranger.org["id"], user=both["id"]).save()
    scoped = await factory.token(both, cast.owner.org)
    ok = await client.post("/graphql", json={"query": "{ me { user { handle } } }"},
                           headers={"Authorization": f"Bearer {scoped}"})
    assert ok.json() == {"data": {"me": {"user": {"handle": "both"}}}}
    refused = await _refused(client, {"Authorization": f"Bearer {scoped}",
                                      "X-Organization-ID": "globex"})
    assert refused.status_code == 403
    assert "scoped to another organization" in refused.json()["errors"][0]["message"]


async def test_introspection_needs_credentials_like_everything_else(
    cast: Cast, client: httpx.AsyncClient
) -> None:
    """The schema is published as schema.graphql; the endpoint parses nothing anonymous."""
    query = {"query": "{ __schema { queryType { name } } }"}
    assert (await client.post("/graphql", json=query)).status_code == 401
    ok = await client.post("/graphql", json=query, headers={
        "Authorization": f"Bearer {cast.owner.token}", "X-Organization-ID": "acme"})
    assert ok.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_the_graphiql_page_itself_needs_no_credentials(
    client: httpx.AsyncClient, db: str
) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
