"""Environments, data sources, add-ons and models: admins change them, members list them,
secrets are references only, other organizations see nothing."""

from __future__ import annotations

from tests.graphql_api.conftest import Cast

CREATE_DS = """mutation($input: DataSourceInput!) { createDataSource(input: $input) { __typename
  ... on DataSource { id name host passwordRef { secret } } ... on Error { message }
  ... on InvalidInput { errors { field } } } }"""
UPDATE_DS = """mutation($id: ID!, $input: DataSourceInput!) {
  updateDataSource(id: $id, input: $input) { __typename ... on DataSource { host } } }"""
DELETE_DS = """mutation($id: ID!) { deleteDataSource(id: $id) { __typename } }"""
WAREHOUSE = {"name": "warehouse", "type": "postgres", "host": "db.internal",
             "database": "sales", "passwordRef": {"secret": "warehouse-password"}}


async def test_data_source_lifecycle_and_access(cast: Cast) -> None:
    refused = (await cast.owner.gql(CREATE_DS, input=WAREHOUSE))["createDataSource"]
    assert refused["__typename"] == "Forbidden"
    created = (await cast.admin.gql(CREATE_DS, input=WAREHOUSE))["createDataSource"]
    assert created["passwordRef"] == {"secret": "warehouse-password"}
    again = (await cast.admin.gql(CREATE_DS, input=WAREHOUSE))["createDataSource"]
    assert again["__typename"] == "NameTaken" and "warehouse" in again["message"]
    listed = (await cast.other.gql("{ dataSources { totalCount nodes { name host } } }"))
    assert listed["dataSources"] == {"totalCount": 1,
                                     "nodes": [{"name": "warehouse", "host": "db.internal"}]}
    nothing = (await cast.stranger.gql("{ dataSources { totalCount nodes { name } } }"))
    assert nothing["dataSources"] == {"totalCount": 0, "nodes": []}
    moved = await cast.admin.gql(UPDATE_DS, id=created["id"], input={**WAREHOUSE, "host": "db2"})
    assert moved["updateDataSource"] == {"__typename": "DataSource", "host": "db2"}
    foreign = await cast.stranger.gql(UPDATE_DS, id=created["id"], input=WAREHOUSE)
    assert foreign["updateDataSource"]["__typename"] == "NotFound"
    assert (await cast.admin.gql(DELETE_DS, id=created["id"]))["deleteDataSource"] == {
        "__typename": "ResourceDeleted"}


async def test_invalid_resources_are_reported_with_field_paths(cast: Cast) -> None:
    bad = {**WAREHOUSE, "name": "Bad_Name"}
    result = (await cast.admin.gql(CREATE_DS, input=bad))["createDataSource"]
    assert result["__typename"] == "InvalidInput"
    assert result["errors"] == [{"field": "input.name"}]
    two_refs = {**WAREHOUSE, "passwordRef": {"env": "A", "file": "/b"}}
    result = (await cast.admin.gql(CREATE_DS, input=two_refs))["createDataSource"]
    assert result["errors"] == [{"field": "input.passwordRef"}]


async def test_operator_references_are_refused_when_saved_naming_the_rule(cast: Cast) -> None:
    for ref, field, rule in (
        ({"env": "DATABASE_URL"}, "input.passwordRef.env", "FLOWPLANE_ENV_REF_PREFIXES"),
        ({"file": "/proc/self/environ"}, "input.passwordRef.file", "FLOWPLANE_FILE_REF_DIRS"),
    ):
        result = await cast.admin.gql(
            "mutation($input: DataSourceInput!) { createDataSource(input: $input) {"
            " __typename ... on InvalidInput { errors { field message } } } }",
            input={**WAREHOUSE, "passwordRef": ref})
        refused = result["createDataSource"]
        assert refused["__typename"] == "InvalidInput", refused
        [error] = refused["errors"]
        assert error["field"] == field and rule in error["message"], error
        assert "organization acme may not reference" in error["message"]
    listed = await cast.admin.gql("{ dataSources { totalCount } }")
    assert listed["dataSources"]["totalCount"] == 0


async def test_environments_add_ons_and_models(cast: Cast) -> None:
    env = await cast.admin.gql(
        """mutation { createEnvironment(input: {name: "py", image: "python:3.12"}) {
           __typename ... on Environment { image buildStatus } } }""")
    assert env["createEnvironment"] == {"__typename": "Environment", "image": "python:3.12",
                                        "buildStatus": "NONE"}
    addon = await cast.admin.gql(
        """mutation { createAddOn(input: {name: "cache", type: "redis", endpoint: "redis://c",
           credentialsRef: {secretName: "cache", secretKey: "password"}}) {
           __typename ... on AddOn { credentialsRef { secretName secretKey } } } }""")
    assert addon["createAddOn"]["credentialsRef"] == {"secretName": "cache",
                                                      "secretKey": "password"}
    model = await cast.admin.gql(
        """mutation { createModel(input: {name: "small-chat", provider: "openai",
           model: "gpt-4o-mini", apiKeyRef: {k8sSecretName: "ai", k8sSecretKey: "key"}}) {
           __typename ... on Model { model apiKeyRef { k8sSecretName k8sSecretKey } } } }""")
    assert model["createModel"]["apiKeyRef"] == {"k8sSecretName": "ai", "k8sSecretKey": "key"}
    lists = await cast.other.gql(
        "{ environments { nodes { name } } addOns { nodes { name } } models { nodes { name } } }")
    assert lists == {"environments": {"nodes": [{"name": "py"}]},
                     "addOns": {"nodes": [{"name": "cache"}]},
                     "models": {"nodes": [{"name": "small-chat"}]}}


CREATE_ENV = """mutation($input: EnvironmentInput!) { createEnvironment(input: $input) {
    __typename ... on Environment { baseImage python { version packages } buildStatus buildLog }
    ... on InvalidInput { errors { field message } } } }"""


async def test_an_environment_with_python_packages_round_trips(cast: Cast) -> None:
    result = (await cast.admin.gql(CREATE_ENV, input={
        "name": "pkgs", "python": {"packages": ["six==1.17.0", "requests[socks]>=2"]}}))
    assert result["createEnvironment"] == {
        "__typename": "Environment", "baseImage": None, "buildStatus": "NONE",
        "python": {"version": None, "packages": ["six==1.17.0", "requests[socks]>=2"]},
        "buildLog": None}
    listed = await cast.other.gql("{ environments { nodes { name python { packages } } } }")
    assert listed["environments"]["nodes"] == [
        {"name": "pkgs", "python": {"packages": ["six==1.17.0", "requests[socks]>=2"]}}]


async def test_an_environment_declares_the_node_types_its_image_provides(cast: Cast) -> None:
    created = await cast.admin.gql(
        """mutation($input: EnvironmentInput!) { createEnvironment(input: $input) {
             __typename ... on Environment { nodeTypes } } }""",
        input={"name": "shouting", "image": "ghcr.io/acme/shout:1",
               "nodeTypes": ["acme.shout"]})
    assert created["createEnvironment"] == {"__typename": "Environment",
                                            "nodeTypes": ["acme.shout"]}
    listed = await cast.other.gql("{ environments { nodes { name nodeTypes } } }")
    assert listed["environments"]["nodes"] == [{"name": "shouting",
                                                "nodeTypes": ["acme.shout"]}]


async def test_python_packages_that_are_not_index_requirements_are_refused(cast: Cast) -> None:
    url = (await cast.admin.gql(CREATE_ENV, input={
        "name": "url", "python": {"packages": ["six @ https://example.com/six.whl"]}}))
    errors = url["createEnvironment"]["errors"]
    assert [e["field"] for e in errors] == ["input.python.packages[0]"]
    assert "URL" in errors[0]["message"]
    option = (await cast.admin.gql(CREATE_ENV, input={
        "name": "opt", "python": {"version": "python3", "packages": ["--index-url=x"]}}))
    fields = sorted(e["field"] for e in option["createEnvironment"]["errors"])
    assert fields == ["input.python.packages[0]", "input.python.version"]
    both = (await cast.admin.gql(CREATE_ENV, input={
        "name": "both", "image": "x:1", "python": {"packages": ["six"]}}))
    assert both["createEnvironment"]["__typename"] == "InvalidInput"
    assert "Dockerfile" in both["createEnvironment"]["errors"][0]["message"]
