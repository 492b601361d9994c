"""schemathesis fuzzes every query and mutation in-process with a valid token: no server
errors (a GraphQL error with a path or partial data counts as one)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from db import engine
from graphql_api.app import create_app
from graphql_api.schema import build_schema
from tests.factory import Factory

app = create_app(lifespan_pool=False)
# Introspected in-process: over HTTP every request, introspection included, needs a token,
# and the token only exists once the test's database does.
schema = schemathesis.graphql.from_dict(build_schema().introspect())
schema.app, schema.location = app, "/graphql"
HEADERS: dict[str, str] = {}


@pytest.fixture
async def token_headers(factory: Factory, secret_key: bytes) -> AsyncIterator[dict[str, str]]:
    """A member's credentials, on a platform configured with a master key (setSecret needs
    it; without one, `serve` refuses to start once secrets exist). The pool is closed
    meanwhile: schemathesis calls the app from its own event loop, where each query opens its
    own connection."""
    org = await factory.org("fuzz")
    user = await factory.user("fuzzer", org, "admin")
    await factory.workflow(org, user, "existing")
    HEADERS.update({"Authorization": f"Bearer {await factory.token(user)}",
                    "X-Organization-ID": "fuzz"})
    await engine.close_pool()
    try:
        yield HEADERS
    finally:
        await engine.start_pool()


@pytest.mark.slow
@schema.parametrize()
# The same examples on every run unless FLOWPLANE_FUZZ_RANDOM is set (tests/conftest.py);
# more of them with FLOWPLANE_FUZZ_EXAMPLES when hunting bugs.
@settings(max_examples=int(os.environ.get("FLOWPLANE_FUZZ_EXAMPLES", "6")),
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case, token_headers: dict[str, str]) -> None:
    # Only server errors fail: a 5xx, or GraphQL errors with a path or partial data.
    # Request errors (NUL characters, limits) are the API doing its job.
    case.call_and_validate(headers=token_headers, checks=[not_a_server_error])
