"""Tenant isolation sweep: for every query, mutation and subscription field of the schema, a
user of organization B calls it with the ids of organization A's objects. B gets only
not-found style results or its own data, and none of A's rows change. A field added to the
schema without an entry in `_isolation_calls` fails the coverage test."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from db.tables import AddOn, AiModel, DataSource, Environment
from domain._sql import fetch
from graphql_api.schema import build_schema
from tests.factory import Factory
from tests.graphql_api._ws import auth, session
from tests.graphql_api.test_subscriptions import _execution
from tests.processes import ApiServer
from tests.resilience._isolation_calls import (
    MUTATIONS,
    NOT_FOUND,
    QUERIES,
    REFUSED,
    SUBSCRIPTIONS,
)

pytestmark = [pytest.mark.resilience]
MARKER = "alphasecret"  # in every name of A's objects: must never reach B
A_TABLES = ("membership", "api_token", "environment", "data_source", "add_on", "ai_model",
            "workflow", "execution", "execution_summary", "event", "sync_run")


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
def api(env: dict[str, str]) -> Iterator[ApiServer]:
    server = ApiServer(env).start()
    yield server
    server.stop()


async def _organization_a(factory: Factory) -> dict[str, Any]:
    org = await factory.org(f"{MARKER}-org")
    owner = await factory.user(f"{MARKER}-owner", org, "admin")
    member = await factory.user(f"{MARKER}-member", org)
    workflow = await factory.workflow(org, owner, f"{MARKER}-wf")
    template = await factory.workflow(org, owner, f"{MARKER}-template", is_template=True)
    token = await factory.token(owner, org)
    ids: dict[str, Any] = {"wf": workflow["id"], "template": template["id"],
                           "member": member["id"], "handle": member["handle"]}
    ids["ex"] = await _execution({"org": org, "owner": owner, "workflow": workflow})
    for key, row in (("env", Environment(organization=org["id"], name=f"{MARKER}-env",
                                         image="a:1")),
                     ("ds", DataSource(organization=org["id"], name=f"{MARKER}-ds",
                                       type="postgres")),
                     ("addon", AddOn(organization=org["id"], name=f"{MARKER}-addon",
                                     type="http")),
                     ("model", AiModel(organization=org["id"], name=f"{MARKER}-model",
                                       model="gpt"))):
        await row.save()
        ids[key] = row.id
    run = await fetch("INSERT INTO sync_run (organization, repo, error) VALUES ($1, $2, $2)"
                      " RETURNING id", org["id"], f"/{MARKER}/repo")
    ids["run"] = run[0]["id"]
    tokens = await fetch('SELECT id FROM api_token WHERE "user" = $1', owner["id"])
    ids["token"] = tokens[0]["id"]
    return {"org": org, "ids": {k: str(v) for k, v in ids.items()}, "token": token}


async def _snapshot(org_id: int) -> dict[str, list[Any]]:
    rows = {t: [dict(r) for r in await fetch(
        f"SELECT * FROM {t} WHERE organization = $1 ORDER BY id", org_id)] for t in A_TABLES}
    rows["organization"] = [dict(r) for r in await fetch(
        "SELECT * FROM organization WHERE id = $1", org_id)]
    rows["workflow_share"] = [dict(r) for r in await fetch(
        "SELECT s.* FROM workflow_share s JOIN workflow w ON w.id = s.workflow"
        " WHERE w.organization = $1 ORDER BY s.id", org_id)]
    return rows


def _variables(document: str, ids: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in ids.items() if f"${name}" in document}


def _call(api: ApiServer, headers: dict[str, str], field: str, document: str,
          expect: str, ids: dict[str, str]) -> None:
    response = httpx.post(f"{api.url}/graphql", headers=headers, timeout=60,
                          json={"query": document, "variables": _variables(document, ids)})
    assert response.status_code == 200, (field, response.text[:500])
    assert MARKER not in response.text, (field, response.text[:500])
    body = response.json()
    assert "errors" not in body, (field, body)
    if expect == REFUSED:
        assert body["data"][field]["__typename"] in NOT_FOUND, (field, body)


async def test_a_user_of_another_organization_gets_nothing_of_a(
    factory: Factory, api: ApiServer
) -> None:
    a = await _organization_a(factory)
    org_b = await factory.org("bravo")
    user_b = await factory.user("bravo-admin", org_b, "admin")
    headers = auth(await factory.token(user_b, org_b), org_b)
    ids = {**a["ids"], "b": str(user_b["id"])}
    before = await _snapshot(a["org"]["id"])
    live = set().union(*_schema_fields().values())
    for field, (document, expect) in {**QUERIES, **MUTATIONS}.items():
        if field not in live:  # an entry added ahead of its field
            continue
        await asyncio.to_thread(_call, api, headers, field, document, expect, ids)
    async with session(api.url, headers) as client:
        for op, (field, document) in enumerate(SUBSCRIPTIONS.items()):
            await client.subscribe(str(op), document, **_variables(document, ids))
            items = await client.until_complete(str(op))
            assert [i["__typename"] for i in items] in (
                [[name] for name in NOT_FOUND]), (field, items)
    assert await _snapshot(a["org"]["id"]) == before
