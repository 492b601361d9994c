"""Tenant isolation sweep: for every query, mutation and subscription field of the schema, a
user of organization B calls it with the ids of organization A's objects. B gets only
not-found style results or its own data, and nothing of A's changes: neither A's rows nor any
row elsewhere that refers to A's users or workflows (so an admin of B pulling A's member into
B, the setMember bug of 4efa6dd, fails the sweep). A field added to the schema without an entry
in `_isolation_calls` fails the coverage test."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from db.tables import AddOn, AiModel, DataSource, Environment, Membership
from domain import secret_store
from domain._envelope import encode_key
from domain._sql import fetch
from domain.recording import LogLine, SpanOpen, record
from graphql_api.schema import build_schema
from tests.factory import Factory
from tests.graphql_api._ws import auth, session
from tests.graphql_api.conftest import gid
from tests.graphql_api.test_subscriptions import _execution
from tests.processes import ApiServer
from tests.resilience._isolation_calls import (
    BY_NAME,
    FEED,
    INVALID,
    MUTATIONS,
    NOT_FOUND,
    NOTHING,
    OWN,
    QUERIES,
    REFUSED,
    SUBSCRIPTIONS,
)

pytestmark = [pytest.mark.resilience, pytest.mark.usefixtures("secret_key")]
MARKER = "alphasecret"  # in every name of A's objects: must never reach B
A_TABLES = ("membership", "api_token", "environment", "data_source", "add_on", "ai_model",
            "workflow", "execution", "execution_summary", "event", "sync_run", "secret",
            "organization_key")
# Rows anywhere that point at A's users: memberships, shares, tokens, owners, triggers.
BY_USER = {"membership": '"user"', "workflow_share": '"user"', "api_token": '"user"',
           "workflow": "owner", "execution": "triggered_by"}
TYPES = {"wf": "Workflow", "template": "Workflow", "member": "User", "ex": "Execution",
         "env": "Environment", "ds": "DataSource", "addon": "AddOn", "model": "Model",
         "run": "SyncRun", "token": "ApiToken", "org": "Organization", "span": "Span",
         "log": "LogLine", "revision": "WorkflowRevision", "membership": "Member", "b": "User",
         "secret": "Secret"}


def _schema_fields() -> dict[str, set[str]]:
    schema = build_schema(dev_mode=False)._schema
    roots = {"query": schema.query_type, "mutation": schema.mutation_type,
             "subscription": schema.subscription_type}
    return {root: set(t.fields) if t is not None else set() for root, t in roots.items()}


def test_every_schema_field_has_an_isolation_call() -> None:
    fields = _schema_fields()
    for root, calls in (("query", QUERIES), ("mutation", MUTATIONS),
                        ("subscription", SUBSCRIPTIONS)):
        missing = fields[root] - set(calls)
        assert not missing, f"{root} fields without an isolation call: {sorted(missing)}"


@pytest.fixture
def api(env: dict[str, str], secret_key: bytes) -> Iterator[ApiServer]:
    server = ApiServer({**env, "FLOWPLANE_SECRET_KEY": encode_key(secret_key)}).start()
    yield server
    server.stop()


async def _resources(org_id: int) -> dict[str, int]:
    ids = {}
    for key, row in (("env", Environment(organization=org_id, name=f"{MARKER}-env",
                                         image="a:1")),
                     ("ds", DataSource(organization=org_id, name=f"{MARKER}-ds",
                                       type="postgres")),
                     ("addon", AddOn(organization=org_id, name=f"{MARKER}-addon", type="http")),
                     ("model", AiModel(organization=org_id, name=f"{MARKER}-model",
                                       model="gpt"))):
        await row.save()
        ids[key] = row.id
    return ids


async def _organization_a(factory: Factory) -> dict[str, Any]:
    org = await factory.org(f"{MARKER}-org")
    owner = await factory.user(f"{MARKER}-owner", org, "admin")
    member = await factory.user(f"{MARKER}-member", org)
    workflow = await factory.workflow(org, owner, f"{MARKER}-wf")
    template = await factory.workflow(org, owner, f"{MARKER}-template", is_template=True)
    token = await factory.token(owner, org)
    ids: dict[str, Any] = {"wf": workflow["id"], "template": template["id"],
                           "member": member["id"], "org": org["id"]}
    ids["ex"] = await _execution({"org": org, "owner": owner, "workflow": workflow})
    opened = await record(ids["ex"], SpanOpen(kind="node", node_id=MARKER),
                          LogLine(f"{MARKER} log"))
    ids["span"] = opened.span_ids[0]
    ids.update(await _resources(org["id"]))
    secret = await secret_store.set_secret(org["id"], f"{MARKER}-secret", f"{MARKER}-value",
                                           actor=None)
    ids["secret"] = secret.id
    await fetch("INSERT INTO workflow_revision (workflow, version, definition, source)"
                " VALUES ($1, 1, '{}', 'api')", workflow["id"])
    ids["run"] = (await fetch("INSERT INTO sync_run (organization, repo, error)"
                              " VALUES ($1, $2, $2) RETURNING id", org["id"],
                              f"/{MARKER}/repo"))[0]["id"]
    for key, sql, arg in (
        ("token", 'SELECT id FROM api_token WHERE "user" = $1', owner["id"]),
        ("log", "SELECT id FROM execution_log WHERE execution = $1", ids["ex"]),
        ("revision", "SELECT id FROM workflow_revision WHERE workflow = $1", workflow["id"]),
        ("membership", 'SELECT id FROM membership WHERE "user" = $1', member["id"]),
    ):
        ids[key] = (await fetch(sql, arg))[0]["id"]
    return {"org": org, "ids": ids, "token": token, "workflow": workflow,
            "owner": owner, "handle": member["handle"], "wfname": workflow["name"],
            "secretname": secret.name}


async def _snapshot(org_id: int, user_ids: list[int]) -> dict[str, list[Any]]:
    rows = {t: [dict(r) for r in await fetch(
        f"SELECT * FROM {t} WHERE organization = $1 ORDER BY id", org_id)] for t in A_TABLES}
    rows["organization"] = [dict(r) for r in await fetch(
        "SELECT * FROM organization WHERE id = $1", org_id)]
    rows["workflow_share"] = [dict(r) for r in await fetch(
        "SELECT s.* FROM workflow_share s JOIN workflow w ON w.id = s.workflow"
        " WHERE w.organization = $1 ORDER BY s.id", org_id)]
    for table, column in BY_USER.items():
        rows[f"{table} of A's users"] = [dict(r) for r in await fetch(
            f"SELECT * FROM {table} WHERE {column} = ANY($1::int[]) ORDER BY id", user_ids)]
    return rows


def _variables(document: str, ids: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in ids.items() if f"${name}" in document}


def _check(field: str, body: dict[str, Any], expect: str) -> None:
    assert "errors" not in body, (field, body)
    result = next(iter(body["data"].values()))
    if expect == NOTHING:
        assert result is None or result == [None] * len(result), (field, body)
    elif expect == REFUSED:
        assert result["__typename"] in NOT_FOUND, (field, body)
    elif expect == INVALID:
        assert result["__typename"] == "InvalidInput", (field, body)
    elif expect != OWN:
        assert result["__typename"] == expect, (field, body)


def _call(api: ApiServer, headers: dict[str, str], field: str, document: str,
          expect: str, ids: dict[str, str]) -> None:
    variables = _variables(document, ids)
    response = httpx.post(f"{api.url}/graphql", headers=headers, timeout=60,
                          json={"query": document, "variables": variables})
    assert response.status_code == 200, (field, response.text[:500])
    told = response.text
    for sent in variables.values():  # B may hear back what it sent (a handle in a message)
        told = told.replace(sent, "")
    assert MARKER not in told, (field, response.text[:500])
    _check(field, response.json(), expect)


async def _users_of(org_id: int) -> list[int]:
    rows = await fetch('SELECT "user" FROM membership WHERE organization = $1', org_id)
    return sorted(int(row["user"]) for row in rows)


async def _sweep(api: ApiServer, headers: dict[str, str], ids: dict[str, str]) -> None:
    live = set().union(*_schema_fields().values())
    calls = {**QUERIES, "workflow(name:)": BY_NAME, **MUTATIONS}
    for field, (document, expect) in calls.items():
        if field.split("(")[0] not in live:  # an entry added ahead of its field
            continue
        await asyncio.to_thread(_call, api, headers, field, document, expect, ids)
    async with session(api.url, headers) as client:
        for op, (field, document) in enumerate(SUBSCRIPTIONS.items()):
            await client.subscribe(str(op), document, **_variables(document, ids))
            items = await client.until_complete(str(op))
            assert [i["__typename"] for i in items] in (
                [[name] for name in NOT_FOUND]), (field, items)


async def _feed_shows_only_b(api: ApiServer, headers: dict[str, str], a: dict[str, Any],
                             b: dict[str, Any]) -> None:
    """The unfiltered organization feed: A's next run never shows, B's does."""
    async with session(api.url, headers) as client:
        await client.subscribe("feed", FEED)
        [ready] = await client.items("feed", 1)
        await _execution(a)
        await _execution(b)
        [created] = await client.items("feed", 1)
    assert ready["kind"] == "READY"
    assert created["execution"]["workflow"]["name"] == b["workflow"]["name"], created


async def test_a_user_of_another_organization_gets_nothing_of_a(
    factory: Factory, api: ApiServer
) -> None:
    a = await _organization_a(factory)
    org_b = await factory.org("bravo")
    user_b = await factory.user("bravo-admin", org_b, "admin")
    b = {"org": org_b, "owner": user_b, "workflow": await factory.workflow(org_b, user_b, "b-wf")}
    headers = auth(await factory.token(user_b, org_b), org_b)
    ids = {key: gid(TYPES[key], value) for key, value in {**a["ids"], "b": user_b["id"]}.items()}
    ids |= {"handle": a["handle"], "wfname": a["wfname"], "secretname": a["secretname"]}
    users = await _users_of(a["org"]["id"])
    before = await _snapshot(a["org"]["id"], users)
    await _sweep(api, headers, ids)
    assert await _snapshot(a["org"]["id"], users) == before
    await _feed_shows_only_b(api, headers, a, b)  # runs one of A's executions itself


async def test_the_sweep_sees_a_member_of_a_pulled_into_another_organization(
    factory: Factory
) -> None:
    """The sweep's own check: what 4efa6dd fixed (B's admin adding A's member to B by handle)
    changes no row of A's organization, yet the snapshot must tell."""
    a = await _organization_a(factory)
    users = await _users_of(a["org"]["id"])
    before = await _snapshot(a["org"]["id"], users)
    org_b = await factory.org("bravo")
    await Membership(organization=org_b["id"], user=a["ids"]["member"], role="admin").save()
    assert await _snapshot(a["org"]["id"], users) != before
