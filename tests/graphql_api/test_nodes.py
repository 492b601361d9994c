"""Global object identification: every Node type resolves through `node(id:)` and
`nodes(ids:)` for those who may read it, and to null for everyone else (another organization,
or a member the workflow is not shared with) exactly as for an id that never existed."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLObjectType

from db.tables import AddOn, AiModel, DataSource, Environment
from domain import secret_store
from domain._sql import fetch_one
from domain.recording import LogLine, SpanOpen, record
from domain.sync_runs import request_sync
from graphql_api.nodes import RESOLVERS
from graphql_api.schema import build_schema
from graphql_api.types.ids import parse_global_id
from tests.graphql_api.conftest import Cast, gid
from tests.graphql_api.test_executions import _finished_execution, key
from tests.graphql_api.test_workflows import create

pytestmark = pytest.mark.usefixtures("secret_key")
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
# Who besides the owner reads each type: workflow-scoped things are private to the owner and
# the admin here; organization things are for every member; a token for its user alone.
MEMBERS, OWNER_ONLY, WORKFLOW_READERS = "members", "owner", "workflow readers"


def node_types() -> set[str]:
    schema = build_schema(dev_mode=False)._schema
    node = schema.type_map["Node"]
    return {t.name for t in schema.get_possible_types(node)  # type: ignore[arg-type]
            if isinstance(t, GraphQLObjectType)}


async def _resource(table: type, org: dict[str, Any], **fields: Any) -> int:
    row = table(organization=org["id"], **fields)
    await row.save()
    return int(row.id)


async def _objects(cast: Cast) -> dict[str, tuple[str, str]]:
    """One object of every type, in the owner's organization: type -> (id, who reads it)."""
    org, owner = cast.owner.org, cast.owner
    workflow = (await create(owner))["id"]
    execution = await _finished_execution(owner, workflow)
    span = await fetch_one("SELECT id FROM execution_span WHERE execution = $1",
                           key(execution))
    await record(key(execution), SpanOpen(kind="node", node_id="x"), LogLine("a line"))
    log = await fetch_one("SELECT id FROM execution_log WHERE execution = $1", key(execution))
    revision = await fetch_one("SELECT id FROM workflow_revision WHERE workflow = $1",
                               key(workflow))
    member = await fetch_one('SELECT id FROM membership WHERE "user" = $1', owner.user["id"])
    token = await fetch_one('SELECT id FROM api_token WHERE "user" = $1', owner.user["id"])
    assert span and log and revision and member and token
    return {
        "Workflow": (workflow, WORKFLOW_READERS),
        "Execution": (execution, WORKFLOW_READERS),
        "Span": (gid("Span", span["id"]), WORKFLOW_READERS),
        "LogLine": (gid("LogLine", log["id"]), WORKFLOW_READERS),
        "WorkflowRevision": (gid("WorkflowRevision", revision["id"]), WORKFLOW_READERS),
        "User": (owner.id, MEMBERS),
        "Organization": (gid("Organization", org["id"]), MEMBERS),
        "Member": (gid("Member", member["id"]), MEMBERS),
        "ApiToken": (gid("ApiToken", token["id"]), OWNER_ONLY),
        "Environment": (gid("Environment", await _resource(
            Environment, org, name="py", image="python:3.12")), MEMBERS),
        "DataSource": (gid("DataSource", await _resource(
            DataSource, org, name="db", type="postgres")), MEMBERS),
        "AddOn": (gid("AddOn", await _resource(AddOn, org, name="cache", type="redis")),
                  MEMBERS),
        "Model": (gid("Model", await _resource(AiModel, org, name="chat", model="gpt")),
                  MEMBERS),
        "SyncRun": (gid("SyncRun", (await request_sync(org["id"])).id), MEMBERS),
        "Secret": (gid("Secret", (await secret_store.set_secret(
            org["id"], "api-key", "value", actor=None)).id), MEMBERS),
    }


def test_every_node_type_resolves_and_is_tested() -> None:
    assert set(RESOLVERS) == node_types()


async def test_node_resolves_every_type_for_its_readers_only(cast: Cast) -> None:
    objects = await _objects(cast)
    assert set(objects) == node_types()  # a new Node type needs a case here
    readers = {WORKFLOW_READERS: {"owner", "admin"}, MEMBERS: {"owner", "shared", "other",
                                                                  "admin"},
               OWNER_ONLY: {"owner"}}
    for type_name, (id, who) in objects.items():
        for name, caller in cast.all().items():
            found = (await caller.gql(NODE, id=id))["node"]
            expected = {"__typename": type_name, "id": id} if name in readers[who] else None
            assert found == expected, (type_name, name, found)


async def test_nodes_answers_in_order_with_null_for_what_is_missing_or_foreign(cast: Cast) -> None:
    objects = await _objects(cast)
    ids = [id for id, _ in objects.values()]
    missing = gid("Workflow", 999999)
    unknown_type = gid("Nothing", 1)
    found = (await cast.owner.gql(NODES, ids=[*ids, missing, unknown_type, ids[0]]))["nodes"]
    assert [n and n["id"] for n in found] == [*ids, None, None, ids[0]]
    assert [n and n["__typename"] for n in found[:len(ids)]] == list(objects)
    foreign = (await cast.stranger.gql(NODES, ids=ids))["nodes"]
    assert foreign == [None] * len(ids)


@pytest.mark.parametrize("bad", ["1", "not base64!", gid("Workflow", 1)[:-1] + "~"])
async def test_malformed_ids_are_bad_user_input_not_server_errors(cast: Cast, bad: str) -> None:
    body = (await cast.owner.post(NODE, id=bad)).json()
    assert body["data"] == {"node": None}, body
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "id"}
    assert "not an id issued by this API" in error["message"]


async def test_ids_are_opaque_unique_across_types_and_stable(cast: Cast) -> None:
    objects = await _objects(cast)
    ids = [id for id, _ in objects.values()]
    assert len(set(ids)) == len(ids)
    assert all(parse_global_id(id) is not None and not id.isdigit() for id in ids)
    again = (await cast.owner.gql("{ me { user { id } organization { id } } }"))["me"]
    assert (again["user"]["id"], again["organization"]["id"]) == (
        objects["User"][0], objects["Organization"][0])
    too_many = (await cast.owner.post(NODES, ids=ids * 10)).json()
    assert too_many["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "ids"}
