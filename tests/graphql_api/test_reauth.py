"""Live re-authorisation over real websockets against `flowplane serve`: when a socket's
identity goes it closes with its code; when a subscription loses its workflow, that
subscription alone ends with an `error` and the socket's others go on. Every change is made
the way the API makes it (domain functions committing in their own transactions); the
server learns of it only through the commit-time announcements. Bounds are generous (15 s):
this asserts that it happens, bench/reauth.py measures how fast."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain._sql import fetch
from domain.access import Actor
from domain.events import workflow_executions_stream
from domain.memberships import remove_member, set_member
from domain.recording import StatusChange, record
from domain.tokens import issue_token, revoke_token
from domain.workflow_sharing import share_workflow, unshare_workflow
from domain.workflows import set_workflow_status, update_workflow
from tests.factory import Factory
from tests.graphql_api._ws import GraphQLWs, auth, session, start_of
from tests.graphql_api.conftest import gid
from tests.graphql_api.test_subscriptions import EXECUTION, WORKFLOW, _execution
from tests.processes import ApiServer

EXECUTIONS = """subscription($id: ID!, $after: Cursor) {
  executionsUpdated(filter: {workflowId: $id}, after: $after) {
    __typename ... on ExecutionEvent { kind execution { id status } }
  }
}"""


def _runs(workflow: dict[str, Any]) -> dict[str, str]:
    """The variables of EXECUTIONS: the workflow's runs from the start of its stream."""
    return {"id": gid("Workflow", workflow["id"]),
            "after": start_of(workflow_executions_stream(workflow["id"]))}


@pytest.fixture(scope="module")
def server(database_url: str, redis_url: str) -> Iterator[ApiServer]:
    api = ApiServer({"DATABASE_URL": database_url, "REDIS_URL": redis_url}).start()
    yield api
    api.stop()


class World:
    """An organization with an admin, an owner, a member, and workflows of the owner."""

    def __init__(self, factory: Factory) -> None:
        self.factory = factory

    async def build(self) -> World:
        f = self.factory
        self.org = await f.org()
        self.admin_user = await f.user(org=self.org, role="admin")
        self.owner_user = await f.user(org=self.org)
        self.member_user = await f.user(org=self.org)
        self.admin = Actor(self.admin_user["id"], self.org["id"], "admin")
        self.owner = Actor(self.owner_user["id"], self.org["id"], "member")
        return self

    async def workflow(self, **fields: Any) -> dict[str, Any]:
        return await self.factory.workflow(self.org, self.owner_user, **fields)

    def world(self, workflow: dict[str, Any]) -> dict[str, Any]:
        """The shape `test_subscriptions._execution` takes."""
        return {"org": self.org, "owner": self.owner_user, "workflow": workflow}

    async def payload(self, user: dict[str, Any]) -> dict[str, str]:
        return auth(await self.factory.token(user, self.org), self.org)


async def _revoked(client: GraphQLWs, op_id: str) -> None:
    [error] = await client.error(op_id)
    assert error["extensions"] == {"code": "ACCESS_REVOKED"}, error
    assert "no longer have access to the workflow" in error["message"]


async def _still_live(client: GraphQLWs, op_id: str, world: World, workflow: dict[str, Any]
                      ) -> None:
    """The subscription `op_id` (executionsUpdated of `workflow`) still gets new events."""
    execution = await _execution(world.world(workflow))
    while (item := (await client.items(op_id, 1))[0])["execution"]["id"] != gid(
            "Execution", execution):
        pass
    assert item["kind"] == "CREATED"


async def test_a_revoked_token_closes_its_sockets_and_only_those(
    factory: Factory, server: ApiServer
) -> None:
    world = await World(factory).build()
    workflow = await world.workflow(is_public=True)
    doomed = await issue_token(world.member_user["id"], world.org["id"])
    async with session(server.url, auth(doomed.token, world.org)) as revoked, session(
        server.url, await world.payload(world.member_user)
    ) as other:
        await revoked.subscribe("1", EXECUTIONS, **_runs(workflow))
        await other.subscribe("1", EXECUTIONS, **_runs(workflow))
        assert await revoke_token(doomed.id, world.member_user["id"])
        assert await revoked.closed() == (4102, "token revoked")
        await _still_live(other, "1", world, workflow)


async def test_a_member_removed_from_the_organization_is_disconnected(
    factory: Factory, server: ApiServer
) -> None:
    world = await World(factory).build()
    workflow = await world.workflow(is_public=True)
    async with session(server.url, await world.payload(world.member_user)) as member, session(
        server.url, await world.payload(world.owner_user)
    ) as owner:
        await member.subscribe("1", EXECUTIONS, **_runs(workflow))
        await owner.subscribe("1", EXECUTIONS, **_runs(workflow))
        await remove_member(world.admin, world.member_user["id"])
        assert await member.closed() == (4103, "removed from the organization")
        await _still_live(owner, "1", world, workflow)


async def test_a_workflow_made_private_ends_only_the_subscriptions_that_follow_it(
    factory: Factory, server: ApiServer
) -> None:
    world = await World(factory).build()
    private, public = await world.workflow(is_public=True), await world.workflow(is_public=True)
    execution = await _execution(world.world(private))
    async with session(server.url, await world.payload(world.member_user)) as member:
        await member.subscribe("runs", EXECUTIONS, **_runs(private))
        await member.subscribe("run", EXECUTION, id=gid("Execution", execution))
        await member.subscribe("other", EXECUTIONS, **_runs(public))
        await member.items("run", 1)  # the snapshot: the subscription is open
        await update_workflow(world.owner, private["id"], is_public=False)
        await _revoked(member, "runs")
        await _revoked(member, "run")
        await _still_live(member, "other", world, public)
        # Nothing more is delivered for the ended subscriptions, whatever happens next.
        await record(execution, StatusChange("running"))
        await _still_live(member, "other", world, public)
        assert member.by_id["runs"].empty() and member.by_id["run"].empty()


async def test_removing_a_share_ends_that_subscription_before_any_later_event(
    factory: Factory, server: ApiServer
) -> None:
    world = await World(factory).build()
    shared, public = await world.workflow(), await world.workflow(is_public=True)
    await share_workflow(world.owner, shared["id"], world.member_user["id"])
    async with session(server.url, await world.payload(world.member_user)) as member:
        await member.subscribe("shared", WORKFLOW, id=gid("Workflow", shared["id"]))
        await member.subscribe("other", EXECUTIONS, **_runs(public))
        [snapshot] = await member.items("shared", 1)
        assert snapshot["kind"] == "SNAPSHOT"
        await unshare_workflow(world.owner, shared["id"], world.member_user["id"])
        # Changes right after the unshare must not reach the former reader.
        await set_workflow_status(world.owner, shared["id"], "paused", "after the unshare")
        await _revoked(member, "shared")
        await _still_live(member, "other", world, public)


async def test_giving_a_workflow_to_another_owner_ends_the_old_owners_subscription(
    factory: Factory, server: ApiServer
) -> None:
    world = await World(factory).build()
    workflow = await world.workflow()
    async with session(server.url, await world.payload(world.owner_user)) as owner:
        await owner.subscribe("1", EXECUTIONS, **_runs(workflow))
        await update_workflow(world.admin, workflow["id"], owner_id=world.member_user["id"])
        await _revoked(owner, "1")


async def test_an_admin_demoted_to_member_loses_what_only_admins_could_follow(
    factory: Factory, server: ApiServer
) -> None:
    world = await World(factory).build()
    private, public = await world.workflow(), await world.workflow(is_public=True)
    second = await factory.user(org=world.org, role="admin")  # the organization keeps an admin
    async with session(server.url, await world.payload(world.admin_user)) as admin:
        await admin.subscribe("private", EXECUTIONS, **_runs(private))
        await admin.subscribe("public", EXECUTIONS, **_runs(public))
        demoter = Actor(second["id"], world.org["id"], "admin")
        await set_member(demoter, world.admin_user["handle"], "member")
        await _revoked(admin, "private")
        await _still_live(admin, "public", world, public)


async def test_a_socket_closes_when_its_token_expires(
    factory: Factory, server: ApiServer
) -> None:
    world = await World(factory).build()
    soon = datetime.now(UTC) + timedelta(seconds=2)
    token = await issue_token(world.member_user["id"], world.org["id"], expires_at=soon)
    async with session(server.url, auth(token.token, world.org)) as member:
        assert await member.closed() == (4101, "invalid or expired token")
    assert datetime.now(UTC) >= soon


async def test_after_the_listener_reconnects_everything_is_checked_again(
    factory: Factory, server: ApiServer
) -> None:
    """A revocation the server cannot have heard of (no announcement, listener cut): the
    reconnected listener re-checks every open connection."""
    world = await World(factory).build()
    token = await issue_token(world.member_user["id"], world.org["id"])
    async with session(server.url, auth(token.token, world.org)) as member:
        await fetch("UPDATE api_token SET revoked_at = now() WHERE id = $1", token.id)
        cut = await fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND (query LIKE 'LISTEN %' OR query = 'SELECT 1')")
        assert cut, "the API's listening connection was not found"
        assert await member.closed() == (4102, "token revoked")
