"""STRONGLY_SERVICES from the nodes' references, with secrets resolved from env, file or a
mounted Kubernetes Secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from db.tables import AddOn, AiModel, DataSource
from domain.services import (
    UnresolvedReference,
    build_services,
    resolve_secret,
    services_from_env,
)
from domain.settings import get_settings
from tests.factory import Factory


def test_secret_forms_resolve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVC_TEST_SECRET", "from-env")
    (tmp_path / "pw").write_text("from-file\n")
    (tmp_path / "mounted" / "db-creds").mkdir(parents=True)
    (tmp_path / "mounted" / "db-creds" / "password").write_text("from-secret")
    monkeypatch.setenv("FLOWPLANE_SECRETS_DIR", str(tmp_path / "mounted"))
    get_settings.cache_clear()
    try:
        assert resolve_secret({"env": "SVC_TEST_SECRET"}) == "from-env"
        assert resolve_secret({"file": str(tmp_path / "pw")}) == "from-file"
        ref = {"secret": {"name": "db-creds", "key": "password"}}
        assert resolve_secret(ref) == "from-secret"
    finally:
        get_settings.cache_clear()


def test_unresolved_secret_names_the_reference(tmp_path: Path) -> None:
    with pytest.raises(UnresolvedReference, match="SVC_TEST_UNSET"):
        resolve_secret({"env": "SVC_TEST_UNSET"})
    with pytest.raises(UnresolvedReference, match="nope"):
        resolve_secret({"file": str(tmp_path / "nope")})


async def test_services_include_gateway_and_every_referenced_service(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVC_DB_PW", "pw")
    org = await factory.org()
    await DataSource(organization=org["id"], name="warehouse", type="postgres",
                     config={"host": "db", "database": "sales"},
                     secret_ref={"env": "SVC_DB_PW"}).save()
    await AiModel(organization=org["id"], name="small", model="m-1", base_url="http://ai").save()
    await AddOn(organization=org["id"], name="cache", type="redis", endpoint="redis://c").save()
    await DataSource(organization=org["id"], name="unused", type="postgres").save()
    nodes = [{"id": "a", "type": "source.postgres", "dataSource": "warehouse"},
             {"id": "b", "type": "ai.chat", "model": "small"},
             {"id": "c", "type": "http.request", "addOn": "cache"}]
    services = await build_services(org["id"], nodes)
    assert services["aiGateway"] == {"baseUrl": get_settings().ai_gateway_url}
    assert services["dataSources"] == {"warehouse": {
        "type": "postgres", "host": "db", "database": "sales", "password": "pw"}}
    assert services["models"]["small"]["model"] == "m-1"
    assert services["addOns"]["cache"]["endpoint"] == "redis://c"
    unresolved = await build_services(org["id"], nodes, resolve=False)
    assert unresolved["dataSources"]["warehouse"]["secretRef"] == {"env": "SVC_DB_PW"}
    assert unresolved["dataSources"]["warehouse"]["password"] is None


async def test_missing_services_are_all_named(factory: Factory) -> None:
    org = await factory.org()
    await DataSource(organization=org["id"], name="ds", type="postgres",
                     secret_ref={"env": "SVC_TEST_UNSET"}).save()
    nodes = [{"id": "a", "dataSource": "ds"}, {"id": "b", "model": "ghost"}]
    with pytest.raises(UnresolvedReference) as raised:
        await build_services(org["id"], nodes)
    assert raised.value.problems == [
        "data source 'ds': environment variable SVC_TEST_UNSET is not set",
        "model 'ghost' does not exist",
    ]


def test_deployed_worker_reads_services_from_its_environment() -> None:
    env = {"STRONGLY_SERVICES": json.dumps({"aiGateway": {"baseUrl": "x"}}),
           "FLOWPLANE_WORKFLOW_ID": "7"}
    assert services_from_env(7, env) == {"aiGateway": {"baseUrl": "x"}}
    # another workflow's execution (or a worker not deployed for one) builds its own
    assert services_from_env(8, env) is None
    assert services_from_env(7, {"STRONGLY_SERVICES": env["STRONGLY_SERVICES"]}) is None
    assert services_from_env(7, {}) is None
