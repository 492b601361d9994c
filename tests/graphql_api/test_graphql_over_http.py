"""GraphQL over HTTP as the spec's audit suite sees it: `graphql-http`'s server audits, run
under Node against a real `flowplane serve`, pass every MUST and SHOULD; and the behaviours
behind them, checked in Python where Node is absent."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from graphql_api.responses import GRAPHQL_RESPONSE
from graphql_api.view import USE_WEBSOCKETS
from tests._node import run_node
from tests.factory import Factory
from tests.graphql_api.conftest import Caller, Cast
from tests.processes import ApiServer


@pytest.fixture(scope="module")
def api(database_url: str, redis_url: str) -> Iterator[ApiServer]:
    server = ApiServer({"DATABASE_URL": database_url, "REDIS_URL": redis_url}).start()
    yield server
    server.stop()


async def test_the_graphql_http_audit_passes_every_must_and_should(
    factory: Factory, api: ApiServer
) -> None:
    org = await factory.org()
    user = await factory.user(org=org)
    token = await factory.token(user)
    report = run_node("audit.mjs", {"FLOWPLANE_URL": api.url, "FLOWPLANE_TOKEN": token,
                                    "FLOWPLANE_ORG": org["slug"]})
    failed = [r for r in report if r["status"] != "ok" and not r["name"].startswith("MAY")]
    assert len(report) > 50, report
    assert [f"{r['name']}: {r['reason']}" for r in failed] == []


def _headers(caller: Caller, accept: str | None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {caller.token}", "X-Organization-ID": "acme"}
    return headers if accept is None else {**headers, "Accept": accept}


async def test_request_errors_answer_400_without_data_to_graphql_response_json_clients(
    cast: Cast, client: httpx.AsyncClient
) -> None:
    modern = "application/graphql-response+json, application/json;q=0.9"
    for query in ("{ me { email ", "{ noSuchField }"):
        response = await client.post("/graphql", json={"query": query},
                                     headers=_headers(cast.owner, modern))
        assert response.status_code == 400, query
        assert response.headers["content-type"] == GRAPHQL_RESPONSE + "; charset=utf-8"
        assert "data" not in response.json() and response.json()["errors"], query
    ok = await client.post("/graphql", json={"query": "{ me { email } }"},
                           headers=_headers(cast.owner, modern))
    assert (ok.status_code, ok.json()) == (200, {"data": {"me": {"email": "owner@example.com"}}})


async def test_application_json_clients_keep_200_and_data_null(
    cast: Cast, client: httpx.AsyncClient
) -> None:
    for accept in ("application/json", "*/*", None,
                   "application/json, application/graphql-response+json;q=0.5"):
        response = await client.post("/graphql", json={"query": "{ noSuchField }"},
                                     headers=_headers(cast.owner, accept))
        assert response.status_code == 200, accept
        assert response.headers["content-type"] == "application/json; charset=utf-8", accept
        assert response.json()["data"] is None and response.json()["errors"], accept


async def test_a_subscription_over_http_says_to_use_websockets(
    cast: Cast, client: httpx.AsyncClient
) -> None:
    query = "subscription { workflowUpdated(workflowId: 1) { __typename } }"
    response = await client.post("/graphql", json={"query": query}, headers=_headers(
        cast.owner, None))
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": USE_WEBSOCKETS,
                                           "extensions": {"code": "BAD_REQUEST"}}]}


async def test_mutations_over_get_are_405_and_malformed_bodies_get_graphql_errors(
    cast: Cast, client: httpx.AsyncClient
) -> None:
    get = await client.get("/graphql", params={"query": "mutation { __typename }"},
                           headers=_headers(cast.owner, "application/json"))
    assert (get.status_code, get.headers["allow"]) == (405, "POST")
    assert get.json()["errors"][0]["message"] == "mutations are not allowed when using GET"
    broken = await client.post("/graphql", content=b"{not json",
                               headers={**_headers(cast.owner, None),
                                        "Content-Type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["message"] == "Unable to parse request body as JSON"
