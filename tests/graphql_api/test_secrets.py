"""The secret store over GraphQL: admins set and delete, members list names, values never
come back, and another organization's secrets do not exist for the caller."""

from __future__ import annotations

import pytest

from domain import secret_store
from tests.graphql_api.conftest import Cast

pytestmark = pytest.mark.usefixtures("secret_key")
SET = ("mutation($name: String!, $value: String!) { setSecret(name: $name, value: $value) {"
       " __typename ... on Secret { id name version setAt setBy { handle } }"
       " ... on InvalidInput { errors { field message } } ... on Error { message code } } }")
DELETE = ("mutation($name: String!) { deleteSecret(name: $name) { __typename"
          " ... on SecretDeleted { deletedId name } ... on SecretNotFound { name }"
          " ... on Error { message code } } }")
LIST = ("query($first: Int, $after: Cursor) { secrets(first: $first, after: $after) {"
        " totalCount nodes { id name version setBy { handle } }"
        " pageInfo { hasNextPage endCursor } } }")
CANARY = "canary-0f9e8d7c6b5a"


async def test_admin_sets_a_secret_and_never_gets_the_value_back(cast: Cast) -> None:
    data = await cast.admin.gql(SET, name="warehouse-password", value=CANARY)
    secret = data["setSecret"]
    assert (secret["__typename"], secret["name"], secret["version"]) == (
        "Secret", "warehouse-password", 1)
    assert secret["setBy"] == {"handle": "admin"}
    again = await cast.admin.gql(SET, name="warehouse-password", value=CANARY + "-2")
    assert again["setSecret"]["version"] == 2 and again["setSecret"]["id"] == secret["id"]
    listed = await cast.owner.post(LIST)
    node = await cast.owner.post("query($id: ID!) { node(id: $id) { __typename"
                                 " ... on Secret { name setAt } } }", id=secret["id"])
    assert node.json()["data"]["node"]["name"] == "warehouse-password"
    for response in (listed, node):
        assert CANARY not in response.text
    assert await secret_store.resolve(cast.admin.org["id"], "warehouse-password") == (
        CANARY + "-2")


async def test_members_list_names_by_page(cast: Cast) -> None:
    for name in ("c-key", "a-key", "b-key"):
        await cast.admin.gql(SET, name=name, value=f"{CANARY}-{name}")
    first = (await cast.other.gql(LIST, first=2))["secrets"]
    assert first["totalCount"] == 3
    assert [n["name"] for n in first["nodes"]] == ["a-key", "b-key"]
    assert first["pageInfo"]["hasNextPage"]
    rest = (await cast.other.gql(LIST, first=2, after=first["pageInfo"]["endCursor"]))["secrets"]
    assert [n["name"] for n in rest["nodes"]] == ["c-key"]


async def test_members_may_not_set_or_delete(cast: Cast) -> None:
    await cast.admin.gql(SET, name="api-key", value=CANARY)
    refused = await cast.owner.gql(SET, name="api-key", value="overwritten")
    assert refused["setSecret"]["__typename"] == "Forbidden"
    assert "only organization admins" in refused["setSecret"]["message"]
    deleted = await cast.owner.gql(DELETE, name="api-key")
    assert deleted["deleteSecret"]["__typename"] == "Forbidden"
    assert await secret_store.resolve(cast.admin.org["id"], "api-key") == CANARY


async def test_another_organizations_secrets_do_not_exist_for_the_caller(cast: Cast) -> None:
    made = (await cast.admin.gql(SET, name="shared-name", value=CANARY))["setSecret"]
    assert (await cast.stranger.gql(LIST))["secrets"]["totalCount"] == 0
    node = await cast.stranger.gql("query($id: ID!) { node(id: $id) { id } }", id=made["id"])
    assert node["node"] is None
    gone = await cast.stranger.gql(DELETE, name="shared-name")
    assert gone["deleteSecret"]["__typename"] == "SecretNotFound"
    assert gone["deleteSecret"]["name"] == "shared-name"
    # The stranger (an admin of globex) setting the same name makes globex's own secret.
    await cast.stranger.gql(SET, name="shared-name", value="globex-value")
    assert await secret_store.resolve(cast.admin.org["id"], "shared-name") == CANARY
    assert await secret_store.resolve(cast.stranger.org["id"], "shared-name") == "globex-value"


async def test_bad_name_and_empty_value_are_invalid_input(cast: Cast) -> None:
    bad = (await cast.admin.gql(SET, name="Not A Name", value="v"))["setSecret"]
    empty = (await cast.admin.gql(SET, name="fine", value=""))["setSecret"]
    assert [bad["__typename"], empty["__typename"]] == ["InvalidInput", "InvalidInput"]
    assert [e["field"] for e in bad["errors"]] == ["name"]
    assert [e["field"] for e in empty["errors"]] == ["value"]


async def test_delete_removes_it_from_the_list(cast: Cast) -> None:
    made = (await cast.admin.gql(SET, name="old-key", value=CANARY))["setSecret"]
    deleted = (await cast.admin.gql(DELETE, name="old-key"))["deleteSecret"]
    assert deleted == {"__typename": "SecretDeleted", "deletedId": made["id"], "name": "old-key"}
    assert (await cast.admin.gql(LIST))["secrets"]["nodes"] == []
    again = (await cast.admin.gql(DELETE, name="old-key"))["deleteSecret"]
    assert again["__typename"] == "SecretNotFound"


async def test_no_field_of_the_schema_returns_a_value() -> None:
    from graphql_api.schema import build_schema

    schema = build_schema(dev_mode=False)._schema
    fields = set(schema.get_type("Secret").fields)  # type: ignore[union-attr]
    assert fields == {"id", "name", "setAt", "setBy", "version"}
