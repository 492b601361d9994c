"""`environmentUpdated` over a real websocket against `flowplane serve`: a local package build
pushes BUILDING, the installer's output while it runs and FAILED with its error; another
organization's environment is not found; a removed member loses the socket; deleting the
environment ends the stream."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db.tables import Environment
from domain._sql import dumps
from domain.access import Actor
from domain.memberships import remove_member
from domain.python_envs import PythonBuildFailed, ensure_built
from domain.resources import ENVIRONMENT, delete_resource
from domain.rows import EnvironmentRow
from domain.settings import get_settings
from tests.factory import Factory
from tests.graphql_api._ws import auth, session
from tests.graphql_api.conftest import gid
from tests.processes import ApiServer

ENVIRONMENT_UPDATED = """subscription($id: ID!, $after: Cursor) {
  environmentUpdated(environmentId: $id, after: $after) {
    __typename
    ... on EnvironmentEvent { cursor kind buildStatus buildError logTail
                              environment { name buildStatus } }
    ... on Error { message }
  }
}"""
MISSING = "flowplane-test-no-such-package-4f1c"


@pytest.fixture(scope="module")
def server(database_url: str, redis_url: str) -> Iterator[ApiServer]:
    api = ApiServer({"DATABASE_URL": database_url, "REDIS_URL": redis_url}).start()
    yield api
    api.stop()


@pytest.fixture(autouse=True)
def _local(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.delenv("FLOWPLANE_KUBECONFIG", raising=False)
    monkeypatch.setenv("FLOWPLANE_PYTHON_ENVS_DIR", str(tmp_path / "envs"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def _world(factory: Factory) -> dict[str, Any]:
    org = await factory.org()
    admin = await factory.user(org=org, role="admin")
    member = await factory.user(org=org)
    env = Environment(organization=org["id"], name="broken",
                      python=dumps({"packages": [MISSING]}))
    await env.save()
    row = await Environment.select().where(Environment.id == env.id).first()
    assert row is not None
    return {"org": org, "admin": Actor(admin["id"], org["id"], "admin"), "member": member,
            "env": row, "token": await factory.token(member, org)}


async def test_a_build_is_pushed_as_it_runs_and_ends_with_its_error(
    factory: Factory, server: ApiServer
) -> None:
    world = await _world(factory)
    async with session(server.url, auth(world["token"], world["org"])) as client:
        await client.subscribe("1", ENVIRONMENT_UPDATED, id=gid("Environment", world["env"]["id"]))
        [snapshot] = await client.items("1", 1)
        assert (snapshot["kind"], snapshot["buildStatus"]) == ("SNAPSHOT", "NONE")
        with pytest.raises(PythonBuildFailed):
            await ensure_built(EnvironmentRow.from_record(world["env"]), {"packages": [MISSING]})
        items = [await client.items("1", 1, wait=60)]
        while items[-1][0]["buildStatus"] != "FAILED":
            items.append(await client.items("1", 1, wait=60))
    events = [item for [item] in items]
    assert events[0]["kind"] == "BUILD" and events[0]["buildStatus"] == "BUILDING"
    logs = [event for event in events if event["kind"] == "LOG"]
    assert logs and all(event["buildStatus"] == "BUILDING" for event in logs)
    assert logs[0]["logTail"]  # the installer's first output, before it finished
    last = events[-1]
    assert last["kind"] == "BUILD" and MISSING in last["logTail"]
    assert "no wheel found" in last["buildError"] or "pip install failed" in last["buildError"]
    assert last["environment"] == {"name": "broken", "buildStatus": "FAILED"}


async def test_another_organizations_environment_is_not_found(
    factory: Factory, server: ApiServer
) -> None:
    world = await _world(factory)
    other = await factory.org()
    stranger = await factory.user(org=other)
    token = await factory.token(stranger, other)
    async with session(server.url, auth(token, other)) as client:
        await client.subscribe("1", ENVIRONMENT_UPDATED, id=gid("Environment", world["env"]["id"]))
        [item] = await client.until_complete("1")
    assert item["__typename"] == "NotFound"


async def test_a_removed_member_loses_it_and_deletion_ends_it(
    factory: Factory, server: ApiServer
) -> None:
    world = await _world(factory)
    admin_token = await factory.token({"id": world["admin"].user_id}, world["org"])
    env_id = gid("Environment", world["env"]["id"])
    async with session(server.url, auth(world["token"], world["org"])) as member, \
            session(server.url, auth(admin_token, world["org"])) as admin:
        await member.subscribe("1", ENVIRONMENT_UPDATED, id=env_id)
        await admin.subscribe("1", ENVIRONMENT_UPDATED, id=env_id)
        await member.items("1", 1)
        await admin.items("1", 1)
        await remove_member(world["admin"], world["member"]["id"])
        assert await member.closed() == (4103, "removed from the organization")
        await delete_resource(world["admin"], ENVIRONMENT, int(world["env"]["id"]))
        [deleted] = await admin.until_complete("1")
    assert (deleted["kind"], deleted["environment"]) == ("DELETED", None)
