"""me, API tokens (shown once, revocable) and memberships (organization admins)."""

from __future__ import annotations

import httpx

from domain.organizations import add_member, organization_by_slug
from tests.factory import Factory
from tests.graphql_api.conftest import Cast, gid

CREATE_TOKEN = """mutation($name: String!) { createApiToken(name: $name) { __typename
  ... on ApiTokenCreated { token apiToken { id name prefix organization { slug } } } } }"""
REVOKE = """mutation($id: ID!) { revokeApiToken(id: $id) { __typename
  ... on ApiToken { id revokedAt } ... on Error { message } } }"""
SET_MEMBER = """mutation($h: String!, $r: Role!) { setMember(handle: $h, role: $r) { __typename
  ... on Member { user { handle } role } ... on Error { message } } }"""
REMOVE = """mutation($u: ID!) { removeMember(userId: $u) { __typename
  ... on Member { user { handle } } ... on Error { message } } }"""


async def test_me_names_the_caller_and_the_organization(cast: Cast) -> None:
    data = await cast.admin.gql("{ me { user { id handle } email role organization { slug } } }")
    assert data == {"me": {"user": {"id": cast.admin.id, "handle": "admin"},
                           "email": "admin@example.com", "role": "ADMIN",
                           "organization": {"slug": "acme"}}}


ORGANIZATIONS = "{ me { organization { slug } organizations { slug name } } }"


async def test_me_lists_the_organizations_a_token_can_be_used_with(
    cast: Cast, factory: Factory, client: httpx.AsyncClient
) -> None:
    await factory.org("initech")  # the admin is no member of it
    # A token for every organization of its user lists them all, whichever one is asked.
    await add_member((await organization_by_slug("globex")).id, cast.admin.user["id"])
    data = await cast.admin.gql(ORGANIZATIONS)
    assert data["me"]["organization"] == {"slug": "acme"}
    assert [o["slug"] for o in data["me"]["organizations"]] == ["acme", "globex"]
    # A token scoped to one organization opens that one only, and says so.
    acme = await organization_by_slug("acme")
    scoped = await factory.token(cast.admin.user, acme.as_dict())
    response = await client.post("/graphql", json={"query": ORGANIZATIONS},
                                 headers={"Authorization": f"Bearer {scoped}"})
    assert response.json()["data"]["me"]["organizations"] == [
        {"slug": "acme", "name": acme.name}]
    # Others see their own memberships only.
    data = await cast.stranger.gql(ORGANIZATIONS)
    assert [o["slug"] for o in data["me"]["organizations"]] == ["globex"]


async def test_api_token_is_shown_once_works_and_can_be_revoked(
    cast: Cast, client: httpx.AsyncClient
) -> None:
    created = (await cast.owner.gql(CREATE_TOKEN, name="ci"))["createApiToken"]
    token, meta = created["token"], created["apiToken"]
    assert token.startswith(meta["prefix"]) and meta["organization"] == {"slug": "acme"}
    listed = (await cast.owner.gql("{ apiTokens { nodes { id name } } }"))["apiTokens"]["nodes"]
    assert {"id": meta["id"], "name": "ci"} in listed
    assert token not in str(listed)
    me = await client.post("/graphql", json={"query": "{ me { user { handle } } }"},
                           headers={"Authorization": f"Bearer {token}"})
    assert me.json() == {"data": {"me": {"user": {"handle": "owner"}}}}
    assert (await cast.other.gql(REVOKE, id=meta["id"]))["revokeApiToken"]["__typename"] == (
        "NotFound")
    revoked = (await cast.owner.gql(REVOKE, id=meta["id"]))["revokeApiToken"]
    assert revoked["revokedAt"] is not None
    me = await client.post("/graphql", json={"query": "{ me { user { handle } } }"},
                           headers={"Authorization": f"Bearer {token}"})
    assert me.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_admins_manage_memberships_and_keep_one_admin(cast: Cast, factory: Factory) -> None:
    refused = (await cast.owner.gql(SET_MEMBER, h="stranger", r="MEMBER"))["setMember"]
    assert refused["__typename"] == "Forbidden"
    # A user of another organization is not pulled in by an admin of this one.
    foreign = (await cast.admin.gql(SET_MEMBER, h="stranger", r="MEMBER"))["setMember"]
    assert foreign["__typename"] == "InvalidInput"
    newcomer = await factory.user("newcomer")  # an account with no organization yet
    added = (await cast.admin.gql(SET_MEMBER, h="newcomer", r="MEMBER"))["setMember"]
    assert added == {"__typename": "Member", "user": {"handle": "newcomer"}, "role": "MEMBER"}
    handles = [m["user"]["handle"] for m in
               (await cast.other.gql("{ members { nodes { user { handle } role } } }"))[
                   "members"]["nodes"]]
    assert "newcomer" in handles and "stranger" not in handles
    removed = (await cast.admin.gql(REMOVE, u=gid("User", newcomer["id"])))["removeMember"]
    assert removed["__typename"] == "Member"
    last = (await cast.admin.gql(SET_MEMBER, h="admin", r="MEMBER"))["setMember"]
    assert last["__typename"] == "LastAdmin"
    unknown = (await cast.admin.gql(SET_MEMBER, h="nobody", r="MEMBER"))["setMember"]
    assert unknown["__typename"] == "InvalidInput"
    # One answer for "no such user" and "a user of another organization" (no handle oracle).
    assert str(foreign).replace("stranger", "nobody") == str(unknown)
