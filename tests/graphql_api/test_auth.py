"""Authentication and tenancy: bearer token, organization header, membership."""

from __future__ import annotations

import httpx

from tests.factory import Factory
from tests.graphql_api.conftest import Cast

QUERY = "{ workflows { edges { node { id } } } }"


async def _errors(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, object]]:
    response = await client.post("/graphql", json={"query": QUERY}, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    errors: list[dict[str, object]] = body["errors"]
    return errors


async def test_missing_or_bad_credentials_are_unauthenticated(
    cast: Cast, client: httpx.AsyncClient
) -> None:
    owner = cast.owner
    cases = {
        "missing credentials": {},
        "must be 'Bearer": {"Authorization": "Basic abc"},
        "not valid": {"Authorization": "Bearer fp_nope", "X-Organization-ID": "acme"},
        "missing organization": {"Authorization": f"Bearer {owner.token}"},
        "does not exist or you are not a member": {
            "Authorization": f"Bearer {owner.token}", "X-Organization-ID": "globex"},
        "not a member": {"Authorization": f"Bearer {owner.token}", "X-Organization-ID": "nope"},
    }
    for expected, headers in cases.items():
        errors = await _errors(client, headers)
        assert errors[0]["extensions"] == {"code": "UNAUTHENTICATED"}, expected
        assert expected in str(errors[0]["message"]), (expected, errors)


async def test_organization_header_takes_id_or_slug(cast: Cast, client: httpx.AsyncClient) -> None:
    for ref in ("acme", str(cast.owner.org["id"])):
        response = await client.post("/graphql", json={"query": "{ me { handle role } }"},
                                     headers={"Authorization": f"Bearer {cast.owner.token}",
                                              "X-Organization-ID": ref})
        assert response.json() == {"data": {"me": {"handle": "owner", "role": "MEMBER"}}}


async def test_a_token_scoped_to_an_org_is_refused_for_another(
    cast: Cast, client: httpx.AsyncClient, factory: Factory
) -> None:
    both = await factory.user("both", cast.owner.org)
    from db.tables import Membership

    await Membership(organization=cast.stranger.org["id"], user=both["id"]).save()
    scoped = await factory.token(both, cast.owner.org)
    ok = await client.post("/graphql", json={"query": "{ me { handle } }"},
                           headers={"Authorization": f"Bearer {scoped}"})
    assert ok.json() == {"data": {"me": {"handle": "both"}}}
    errors = await _errors(client, {"Authorization": f"Bearer {scoped}",
                                    "X-Organization-ID": "globex"})
    assert "scoped to another organization" in str(errors[0]["message"])


async def test_introspection_needs_no_credentials(client: httpx.AsyncClient, db: str) -> None:
    response = await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
