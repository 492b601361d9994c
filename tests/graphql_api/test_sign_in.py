"""`redeemSignInCode` over HTTP: callable without credentials, returns a token that works,
refuses a used code as data, and opens nothing else to an anonymous caller (401 before the
document is executed)."""

from __future__ import annotations

import httpx

from domain.sign_in import issue_sign_in_code
from tests.factory import Factory

REDEEM = """mutation($code: String!) { redeemSignInCode(code: $code) {
  __typename
  ... on SignInCodeRedeemed { token expiresAt user { handle } organization { slug } }
  ... on Error { message }
} }"""


async def _redeem(client: httpx.AsyncClient, code: str) -> dict[str, object]:
    response = await client.post("/graphql", json={"query": REDEEM, "variables": {"code": code}})
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()["data"]["redeemSignInCode"]
    return result


async def test_an_anonymous_caller_redeems_a_code_for_a_working_token(
    factory: Factory, client: httpx.AsyncClient
) -> None:
    org = await factory.org("acme")
    alice = await factory.user("alice", org)
    code = await issue_sign_in_code(alice["id"], org["id"])
    redeemed = await _redeem(client, code)
    assert redeemed["__typename"] == "SignInCodeRedeemed"
    assert redeemed["user"] == {"handle": "alice"}
    assert redeemed["organization"] == {"slug": "acme"}
    # The token selects its organization by itself: no X-Organization-ID needed.
    me = await client.post(
        "/graphql", json={"query": "{ me { user { handle } organization { slug } } }"},
        headers={"Authorization": f"Bearer {redeemed['token']}"})
    assert me.json() == {
        "data": {"me": {"user": {"handle": "alice"}, "organization": {"slug": "acme"}}}}

    again = await _redeem(client, code)
    assert again["__typename"] == "SignInCodeInvalid"
    assert "unknown, expired or already used" in str(again["message"])


async def test_the_public_mutation_opens_nothing_else(
    factory: Factory, client: httpx.AsyncClient
) -> None:
    org = await factory.org("acme")
    alice = await factory.user("alice", org)
    code = await issue_sign_in_code(alice["id"], org["id"])
    mixed = ('mutation($code: String!) { redeemSignInCode(code: $code) { __typename }'
             ' syncNow { __typename } }')
    two_operations = ('mutation A($code: String!) { redeemSignInCode(code: $code)'
                      ' { __typename } } query B { me { role } }')
    spread = ('mutation($code: String!) { ...F } fragment F on Mutation {'
              ' redeemSignInCode(code: $code) { __typename } }')
    for query in (mixed, two_operations, spread, "{ me { role } }", "{ __typename }"):
        response = await client.post(
            "/graphql", json={"query": query, "variables": {"code": code},
                              "operationName": "A" if query is two_operations else None})
        assert response.status_code == 401, query
        assert response.headers["www-authenticate"].startswith("Bearer"), query
    # A bad token is refused even for the public mutation: credentials are checked when sent.
    bad = await client.post("/graphql", json={"query": REDEEM, "variables": {"code": code}},
                            headers={"Authorization": "Bearer fp_nope"})
    assert bad.status_code == 401
    # None of the refused requests used the code up.
    assert (await _redeem(client, code))["__typename"] == "SignInCodeRedeemed"


async def test_an_oversized_anonymous_request_is_refused_unread(
    factory: Factory, client: httpx.AsyncClient
) -> None:
    """The anonymous door looks at small bodies only: padding past 2 KB gets the plain 401."""
    org = await factory.org("acme")
    alice = await factory.user("alice", org)
    code = await issue_sign_in_code(alice["id"], org["id"])
    padded = REDEEM + "#" + "x" * 2048
    response = await client.post("/graphql", json={"query": padded, "variables": {"code": code}})
    assert response.status_code == 401
    assert (await _redeem(client, code))["__typename"] == "SignInCodeRedeemed"
