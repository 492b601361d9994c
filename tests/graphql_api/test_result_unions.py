"""Each mutation's result union lists exactly the errors it can return: for every member of
every union in the schema there is a case below that makes the domain produce it (so no
member is listed that cannot occur), and `mutation_result.run` refuses to return an error
type its union does not list (so none that can occur is missing; that is checked here too)."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pytest
import strawberry
from graphql import GraphQLUnionType

from db.tables import AddOn, AiModel, DataSource, Environment
from domain.access import Actor
from domain.errors import LastAdmin as DomainLastAdmin
from domain.settings import get_settings
from domain.sign_in import issue_sign_in_code
from domain.sync_runs import mark_git_managed
from domain.workflows import GitSource, create_workflow, set_workflow_status
from graphql_api.mutation_result import UndeclaredError, run
from graphql_api.schema import build_schema
from graphql_api.types.errors import InvalidInput
from graphql_api.types.workflow import Workflow
from tests.deploy._cluster import FakeCluster
from tests.deploy.conftest import cluster, fake  # noqa: F401  (fixtures)
from tests.domain.test_workflows import definition
from tests.factory import Factory
from tests.graphql_api.conftest import Caller, Cast, gid
from tests.graphql_api.test_executions import _finished_execution, key
from tests.graphql_api.test_workflows import create

_names = itertools.count(1)
# The arguments of each mutation, as a document takes them.
SIGNATURES = {
    "createApiToken": "$name: String!, $expiresAt: DateTime",
    "revokeApiToken": "$id: ID!",
    "setMember": "$handle: String!, $role: Role!",
    "removeMember": "$userId: ID!",
    "createWorkflow": "$input: CreateWorkflowInput!",
    "updateWorkflow": "$id: ID!, $input: UpdateWorkflowInput!, $expectedVersion: Int",
    "deleteWorkflow": "$id: ID!",
    "archiveWorkflow": "$id: ID!",
    "shareWorkflow": "$workflowId: ID!, $userId: ID!",
    "unshareWorkflow": "$workflowId: ID!, $userId: ID!",
    "cloneWorkflow": "$workflowId: ID!, $name: String!",
    "createTemplate": "$workflowId: ID!, $name: String",
    "createWorkflowFromTemplate": "$templateId: ID!, $name: String!",
    "rotateWebhookToken": "$workflowId: ID!",
    "runWorkflow": "$workflowId: ID!, $input: JSON",
    "retryExecution": "$id: ID!",
    "cancelExecution": "$id: ID!",
    "deployWorkflow": "$workflowId: ID!, $settings: DeployWorkflowInput",
    "undeployWorkflow": "$workflowId: ID!",
    "pauseWorkflow": "$workflowId: ID!",
    "syncNow": "",
    "redeemSignInCode": "$code: String!",
    "setSecret": "$name: String!, $value: String!",
    "deleteSecret": "$name: String!",
    **{f"{verb}{kind}": ("$input: " + f"{kind}Input!" if verb == "create" else
                         "$id: ID!" + (f", $input: {kind}Input!" if verb == "update" else ""))
       for verb in ("create", "update", "delete")
       for kind in ("Environment", "DataSource", "AddOn", "Model")},
}
RESOURCES = {"Environment": (Environment, {"image": "python:3.12"}, {"image": "python:3.13"}),
             "DataSource": (DataSource, {"type": "postgres"}, {"type": "postgres", "host": "h"}),
             "AddOn": (AddOn, {"type": "redis"}, {"type": "redis"}),
             "Model": (AiModel, {"model": "gpt"}, {"provider": "openai", "model": "gpt"})}
TABLES = {"Environment": "environment", "DataSource": "data_source", "AddOn": "add_on",
          "Model": "ai_model"}


def document(mutation: str) -> str:
    signature = SIGNATURES[mutation]
    args = ", ".join(f"{p.split(':')[0][1:]}: {p.split(':')[0]}"
                     for p in signature.split(", ") if p)
    head = f"mutation({signature})" if signature else "mutation"
    call = f"{mutation}({args})" if args else mutation
    return f"{head} {{ {call} {{ __typename ... on Error {{ message code }} }} }}"


def name() -> str:
    return f"n{next(_names)}"


@dataclass
class World:
    cast: Cast
    factory: Factory
    fake: FakeCluster

    async def workflow(self, **extra: Any) -> str:
        """The owner's public workflow, shared with `shared`."""
        found = await create(self.cast.owner, name=name(), isPublic=True,
                             sharedWith=[self.cast.shared.id], **extra)
        return str(found["id"])

    async def git_workflow(self) -> str:
        owner = self.cast.owner
        actor = Actor(owner.user["id"], owner.org["id"], "member")
        row = await create_workflow(actor, name(), definition(), is_public=True,
                                    source=GitSource("workflows.d/x.yaml", "abc", "h"))
        return gid("Workflow", row.id)

    async def archived(self) -> str:
        workflow = await self.workflow()
        owner = self.cast.owner
        await set_workflow_status(Actor(owner.user["id"], owner.org["id"], "member"),
                                  key(workflow), "archived")
        return workflow

    async def deployed(self, failing_delete: bool = False) -> str:
        workflow = await self.workflow()
        deployed = await self.cast.owner.gql(document("deployWorkflow"), workflowId=workflow)
        assert deployed["deployWorkflow"]["__typename"] == "Workflow", deployed
        if failing_delete:
            self.fake.fail("DELETE", ".*", 403, "deletes are forbidden here", times=1)
        return workflow

    async def template(self) -> str:
        made = await self.cast.owner.gql(
            "mutation($w: ID!) { createTemplate(workflowId: $w) { ... on Workflow { id } } }",
            w=await self.workflow())
        return str(made["createTemplate"]["id"])

    async def execution(self, finished: bool) -> str:
        workflow = await self.workflow()
        if finished:
            return await _finished_execution(self.cast.owner, workflow)
        ran = await self.cast.owner.gql(
            "mutation($w: ID!) { runWorkflow(workflowId: $w) { ... on Execution { id } } }",
            w=workflow)
        return str(ran["runWorkflow"]["id"])

    async def resource(self, kind: str, git: bool = False) -> str:
        table, fields, _ = RESOURCES[kind]
        row = table(organization=self.cast.owner.org["id"], name=name(), **fields)
        await row.save()
        if git:
            await mark_git_managed(TABLES[kind], row.id, "workflows.d/r.yaml")
        return gid(kind, row.id)

    async def user(self) -> str:
        return gid("User", (await self.factory.user(org=self.cast.owner.org))["id"])

    async def token_of(self, caller: Caller) -> str:
        made = await caller.gql(
            "mutation { createApiToken(name: \"t\") { ... on ApiTokenCreated {"
            " apiToken { id } } } }")
        return str(made["createApiToken"]["apiToken"]["id"])


Variables = Callable[[World], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Case:
    mutation: str
    returns: str
    caller: str
    variables: Variables


def _resource_cases(kind: str) -> Iterator[Case]:
    spec = RESOURCES[kind][2]
    create_, update, delete = f"create{kind}", f"update{kind}", f"delete{kind}"

    async def fresh(_: World) -> dict[str, Any]:
        return {"input": {"name": name(), **spec}}

    async def taken(w: World) -> dict[str, Any]:
        await w.cast.admin.gql(document(create_), input={"name": "taken", **spec})
        return {"input": {"name": "taken", **spec}}

    async def bad(_: World) -> dict[str, Any]:
        return {"input": {"name": "Bad Name", **spec}}

    async def one(w: World, git: bool = False, new_name: str | None = None) -> dict[str, Any]:
        return {"id": await w.resource(kind, git), "input": {"name": new_name or name(), **spec}}

    async def rename_to_taken(w: World) -> dict[str, Any]:
        taken_name = name()
        await w.cast.admin.gql(document(create_), input={"name": taken_name, **spec})
        return await one(w, new_name=taken_name)

    async def malformed(_: World) -> dict[str, Any]:
        return {"id": "1", "input": {"name": name(), **spec}}

    async def git(w: World) -> dict[str, Any]:
        return await one(w, git=True)

    async def plain(w: World) -> dict[str, Any]:
        return await one(w)

    yield from (Case(create_, kind, "admin", fresh), Case(create_, "Forbidden", "owner", fresh),
                Case(create_, "NameTaken", "admin", taken),
                Case(create_, "InvalidInput", "admin", bad))
    yield from (Case(update, kind, "admin", plain), Case(update, "NotFound", "stranger", plain),
                Case(update, "Forbidden", "owner", plain), Case(update, "GitManaged", "admin", git),
                Case(update, "NameTaken", "admin", rename_to_taken),
                Case(update, "InvalidInput", "admin", malformed))
    for returns, caller, variables in (("ResourceDeleted", "admin", plain),
                                       ("NotFound", "stranger", plain),
                                       ("Forbidden", "owner", plain),
                                       ("GitManaged", "admin", git),
                                       ("InvalidInput", "admin", malformed)):
        yield Case(delete, returns, caller, variables)


def _id(key_name: str, make: Callable[[World], Awaitable[str]],
        **more: Any) -> Variables:
    async def variables(w: World) -> dict[str, Any]:
        return {key_name: await make(w), **more}
    return variables


async def _sign_in_code(w: World) -> dict[str, Any]:
    owner = w.cast.owner
    return {"code": await issue_sign_in_code(owner.user["id"], owner.org["id"])}


async def _stored_secret(w: World) -> dict[str, Any]:
    secret = name()
    await w.cast.admin.gql(document("setSecret"), name=secret, value="v")
    return {"name": secret}


def _given(**values: Any) -> Variables:
    async def variables(_: World) -> dict[str, Any]:
        return values
    return variables


def _workflow_cases() -> Iterator[Case]:
    wf, git = (lambda w: w.workflow()), (lambda w: w.git_workflow())
    for mutation, arg in (("updateWorkflow", "id"), ("archiveWorkflow", "id"),
                          ("deleteWorkflow", "id"), ("shareWorkflow", "workflowId"),
                          ("unshareWorkflow", "workflowId"), ("deployWorkflow", "workflowId"),
                          ("undeployWorkflow", "workflowId"), ("pauseWorkflow", "workflowId"),
                          ("rotateWebhookToken", "workflowId"), ("runWorkflow", "workflowId"),
                          ("cloneWorkflow", "workflowId"), ("createTemplate", "workflowId")):
        extra: dict[str, Any] = {
            "updateWorkflow": {"input": {"description": "x"}},
            "shareWorkflow": {"userId": "VXNlcjox"}, "unshareWorkflow": {"userId": "VXNlcjox"},
            "cloneWorkflow": {"name": "a-clone"},
        }.get(mutation, {})
        yield Case(mutation, "WorkflowNotFound", "stranger", _id(arg, wf, **extra))
        yield Case(mutation, "InvalidInput", "owner", _given(**{arg: "12"}, **extra))
        if mutation not in ("cloneWorkflow", "createTemplate"):
            writer = "shared" if mutation in ("deleteWorkflow", "shareWorkflow",
                                              "unshareWorkflow") else "other"
            yield Case(mutation, "Forbidden", writer, _id(arg, wf, **extra))
        if mutation not in ("rotateWebhookToken", "runWorkflow", "cloneWorkflow",
                            "createTemplate"):
            yield Case(mutation, "GitManaged", "owner", _id(arg, git, **extra))


async def _share(w: World) -> dict[str, Any]:
    return {"workflowId": await w.workflow(), "userId": w.cast.other.id}


async def _share_outside(w: World) -> dict[str, Any]:
    return {"workflowId": await w.workflow(), "userId": w.cast.stranger.id}


async def _stale(w: World) -> dict[str, Any]:
    return {"id": await w.workflow(), "input": {"tags": ["x"]}, "expectedVersion": 99}


async def _rename_to_taken(w: World) -> dict[str, Any]:
    return {"id": await w.workflow(), "input": {"name": await _taken_name(w)}}


async def _clone_to_taken(w: World) -> dict[str, Any]:
    return {"workflowId": await w.workflow(), "name": await _taken_name(w)}


async def _from_template(w: World, new_name: str | None = None) -> dict[str, Any]:
    return {"templateId": await w.template(), "name": new_name or name()}


async def _from_template_taken(w: World) -> dict[str, Any]:
    return await _from_template(w, await _taken_name(w))


async def _from_non_template(w: World) -> dict[str, Any]:
    return {"templateId": await w.workflow(), "name": name()}


async def _deploy_missing(w: World) -> dict[str, Any]:
    nodes = [{"id": "q", "type": "source.postgres", "dataSource": "absent",
              "params": {"query": "select 1"}}]
    return {"workflowId": await w.workflow(nodes=nodes, connections=[])}


async def _deploy_failing(w: World) -> dict[str, Any]:
    return {"workflowId": await w.deployed(failing_delete=True)}


async def _taken_name(w: World) -> str:
    return str((await create(w.cast.owner, name=name()))["name"])


async def _create_taken(w: World) -> dict[str, Any]:
    return {"input": {"name": await _taken_name(w)}}


async def _template_taken(w: World) -> dict[str, Any]:
    return {"workflowId": await w.workflow(), "name": await _taken_name(w)}


async def _member(w: World) -> dict[str, Any]:
    handle = (await w.factory.user())["handle"]  # an account without an organization
    return {"handle": handle, "role": "MEMBER"}


CASES: list[Case] = [
    *_workflow_cases(),
    *(c for kind in RESOURCES for c in _resource_cases(kind)),
    Case("createApiToken", "ApiTokenCreated", "owner", _given(name="ci")),
    Case("createApiToken", "InvalidInput", "owner",
         _given(name="ci", expiresAt="2000-01-01T00:00:00+00:00")),
    Case("revokeApiToken", "ApiToken", "owner", _id("id", lambda w: w.token_of(w.cast.owner))),
    Case("revokeApiToken", "NotFound", "owner", _id("id", lambda w: w.token_of(w.cast.admin))),
    Case("revokeApiToken", "InvalidInput", "owner", _given(id="x")),
    Case("setMember", "Member", "admin", _member),
    Case("setMember", "Forbidden", "owner", _member),
    Case("setMember", "LastAdmin", "admin", _given(handle="admin", role="MEMBER")),
    Case("setMember", "InvalidInput", "admin", _given(handle="nobody", role="MEMBER")),
    Case("removeMember", "Member", "admin", _id("userId", lambda w: w.user())),
    Case("removeMember", "NotFound", "admin", lambda w: _given(userId=w.cast.stranger.id)(w)),
    Case("removeMember", "Forbidden", "owner", _id("userId", lambda w: w.user())),
    Case("removeMember", "LastAdmin", "admin", lambda w: _given(userId=w.cast.admin.id)(w)),
    Case("removeMember", "InvalidInput", "admin", _given(userId="x")),
    Case("createWorkflow", "Workflow", "owner", lambda w: _given(input={"name": name()})(w)),
    Case("createWorkflow", "NameTaken", "owner", _create_taken),
    Case("createWorkflow", "InvalidInput", "owner", _given(input={"name": "Bad Name"})),
    Case("updateWorkflow", "Workflow", "shared", _id("id", World.workflow, input={"tags": []})),
    Case("updateWorkflow", "VersionConflict", "owner", _stale),
    Case("updateWorkflow", "NameTaken", "owner", _rename_to_taken),
    Case("deleteWorkflow", "WorkflowDeleted", "owner", _id("id", World.workflow)),
    Case("deleteWorkflow", "DeploymentFailed", "owner",
         _id("id", lambda w: w.deployed(failing_delete=True))),
    Case("archiveWorkflow", "Workflow", "shared", _id("id", World.workflow)),
    Case("archiveWorkflow", "DeploymentFailed", "owner",
         _id("id", lambda w: w.deployed(failing_delete=True))),
    Case("shareWorkflow", "Workflow", "owner", _share),
    Case("shareWorkflow", "InvalidInput", "owner", _share_outside),
    Case("unshareWorkflow", "Workflow", "owner", _share),
    Case("cloneWorkflow", "Workflow", "other", _id("workflowId", World.workflow, name="cl")),
    Case("cloneWorkflow", "NameTaken", "owner", _clone_to_taken),
    Case("createTemplate", "Workflow", "other", _id("workflowId", World.workflow)),
    Case("createTemplate", "NameTaken", "owner", _template_taken),
    Case("createWorkflowFromTemplate", "Workflow", "owner", _from_template),
    Case("createWorkflowFromTemplate", "WorkflowNotFound", "owner", _from_non_template),
    Case("createWorkflowFromTemplate", "NameTaken", "owner", _from_template_taken),
    Case("createWorkflowFromTemplate", "InvalidInput", "owner",
         _given(templateId="1", name="x")),
    Case("rotateWebhookToken", "Workflow", "shared", _id("workflowId", World.workflow)),
    Case("runWorkflow", "Execution", "shared", _id("workflowId", World.workflow)),
    Case("runWorkflow", "WorkflowArchived", "owner", _id("workflowId", World.archived)),
    Case("retryExecution", "Execution", "owner", _id("id", lambda w: w.execution(True))),
    Case("retryExecution", "ExecutionNotFound", "stranger",
         _id("id", lambda w: w.execution(True))),
    Case("retryExecution", "Forbidden", "other", _id("id", lambda w: w.execution(True))),
    Case("retryExecution", "ExecutionNotFinished", "owner",
         _id("id", lambda w: w.execution(False))),
    Case("retryExecution", "InvalidInput", "owner", _given(id="1")),
    Case("cancelExecution", "Execution", "owner", _id("id", lambda w: w.execution(False))),
    Case("cancelExecution", "ExecutionNotFound", "stranger",
         _id("id", lambda w: w.execution(False))),
    Case("cancelExecution", "Forbidden", "other", _id("id", lambda w: w.execution(False))),
    Case("cancelExecution", "ExecutionFinished", "owner", _id("id", lambda w: w.execution(True))),
    Case("cancelExecution", "InvalidInput", "owner", _given(id="1")),
    Case("deployWorkflow", "Workflow", "owner", _id("workflowId", World.workflow)),
    Case("deployWorkflow", "DeploymentFailed", "owner", _deploy_missing),
    Case("deployWorkflow", "InvalidInput", "owner",
         _id("workflowId", World.workflow, settings={"memory": "lots"})),
    Case("undeployWorkflow", "Workflow", "owner", _id("workflowId", World.deployed)),
    Case("undeployWorkflow", "DeploymentFailed", "owner", _deploy_failing),
    Case("pauseWorkflow", "Workflow", "owner", _id("workflowId", World.deployed)),
    Case("pauseWorkflow", "DeploymentFailed", "owner", _deploy_failing),
    Case("syncNow", "SyncRun", "admin", _given()),
    Case("syncNow", "Forbidden", "owner", _given()),
    Case("redeemSignInCode", "SignInCodeRedeemed", "owner", _sign_in_code),
    Case("redeemSignInCode", "SignInCodeInvalid", "owner", _given(code="fpsi_unknown")),
    Case("setSecret", "Secret", "admin", _given(name="api-key", value="v")),
    Case("setSecret", "Forbidden", "owner", _given(name="api-key", value="v")),
    Case("setSecret", "InvalidInput", "admin", _given(name="Bad Name", value="v")),
    Case("deleteSecret", "SecretDeleted", "admin", _stored_secret),
    Case("deleteSecret", "SecretNotFound", "admin", _given(name="never-set")),
    Case("deleteSecret", "Forbidden", "owner", _stored_secret),
]


def schema_members() -> set[tuple[str, str]]:
    schema = build_schema(dev_mode=False)._schema
    assert schema.mutation_type is not None
    found = set()
    for mutation, field in schema.mutation_type.fields.items():
        result = field.type.of_type  # type: ignore[attr-defined]
        assert isinstance(result, GraphQLUnionType), mutation
        found |= {(mutation, member.name) for member in result.types}
    return found


def test_every_member_of_every_mutation_union_has_a_case() -> None:
    cases = {(case.mutation, case.returns) for case in CASES}
    assert cases == schema_members()


@pytest.fixture(autouse=True)
def _kubernetes(cluster: tuple[FakeCluster, Path],  # noqa: F811
                monkeypatch: pytest.MonkeyPatch, secret_key: bytes) -> Iterator[None]:
    monkeypatch.setenv("FLOWPLANE_KUBECONFIG", str(cluster[1]))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_the_domain_returns_every_listed_error(
    cast: Cast, factory: Factory, fake: FakeCluster  # noqa: F811
) -> None:
    world = World(cast, factory, fake)
    wrong = []
    for case in CASES:
        variables = await case.variables(world)
        data = await cast.all()[case.caller].gql(document(case.mutation), **variables)
        got = data[case.mutation]["__typename"]
        if got != case.returns:
            wrong.append((case.mutation, case.caller, case.returns, data[case.mutation]))
        fake.failures.clear()
    assert wrong == []


async def test_an_error_a_union_does_not_list_is_a_bug_not_a_result() -> None:
    Result = Annotated[Workflow | InvalidInput, strawberry.union("Result")]

    async def last_admin() -> dict[str, Any]:
        raise DomainLastAdmin()

    with pytest.raises(UndeclaredError, match="LastAdmin is not a member"):
        await run(Result, last_admin, Workflow.from_row)
