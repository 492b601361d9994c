"""GraphQL over real HTTP (httpx ASGITransport against the Starlette app) and a cast of
callers: owner, shared, other member and admin of one organization, a stranger of another."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from graphql_api.app import create_app
from graphql_api.types.ids import global_id
from tests.factory import Factory


def gid(type_name: str, key: int | str) -> str:
    """The global id the API gives the row `key` of a type."""
    return str(global_id(type_name, int(key)))


@dataclass
class Caller:
    client: httpx.AsyncClient
    user: dict[str, Any]
    org: dict[str, Any]
    token: str

    @property
    def id(self) -> str:
        """The caller's global user id."""
        return gid("User", self.user["id"])

    async def post(self, query: str, **variables: Any) -> httpx.Response:
        return await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.token}",
                     "X-Organization-ID": self.org["slug"]},
        )

    async def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        """The `data` of a successful response (fails the test on any GraphQL error)."""
        response = await self.post(query, **variables)
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture
async def client(db: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(lifespan_pool=False)  # the test session already runs the pool
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@dataclass
class Cast:
    owner: Caller
    shared: Caller
    other: Caller
    admin: Caller
    stranger: Caller

    def all(self) -> dict[str, Caller]:
        return dict(vars(self))


@pytest.fixture
async def cast(factory: Factory, client: httpx.AsyncClient) -> Cast:
    org, other_org = await factory.org("acme"), await factory.org("globex")
    callers = {}
    for name, role in (("owner", "member"), ("shared", "member"), ("other", "member"),
                       ("admin", "admin")):
        user = await factory.user(name, org, role)
        callers[name] = Caller(client, user, org, await factory.token(user))
    stranger = await factory.user("stranger", other_org, "admin")
    callers["stranger"] = Caller(client, stranger, other_org, await factory.token(stranger))
    return Cast(**callers)
