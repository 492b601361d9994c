"""GraphQL over HTTP as the spec's audit suite sees it: `graphql-http`'s server audits, run
under Node against a real `flowplane serve`, pass every MUST and SHOULD."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests._node import run_node
from tests.factory import Factory
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
