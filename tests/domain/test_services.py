"""STRONGLY_SERVICES from the nodes' references, with secrets resolved from env, file or a
mounted Kubernetes Secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from db.tables import AddOn, AiModel, DataSource
from domain import secret_store
from domain.services import (
    UnresolvedReference,
    build_services,
    mask,
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
    factory: Factory, secret_key: bytes
) -> None:
    org = await factory.org()
    await secret_store.set_secret(org["id"], "warehouse-password", "pw", actor=None)
    await DataSource(organization=org["id"], name="warehouse", type="postgres",
                     config={"host": "db", "database": "sales"},
                     secret_ref={"secret": "warehouse-password"}).save()
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
    assert unresolved["dataSources"]["warehouse"]["secretRef"] == {
        "secret": "warehouse-password"}
    assert unresolved["dataSources"]["warehouse"]["password"] is None


async def test_missing_services_are_all_named(factory: Factory, secret_key: bytes) -> None:
    org = await factory.org()
    await DataSource(organization=org["id"], name="ds", type="postgres",
                     secret_ref={"secret": "never-set"}).save()
    nodes = [{"id": "a", "dataSource": "ds"}, {"id": "b", "model": "ghost"}]
    with pytest.raises(UnresolvedReference) as raised:
        await build_services(org["id"], nodes)
    assert raised.value.problems == [
        "data source 'ds': secret 'never-set' does not exist in this organization (set it with"
        " setSecret or `flowplane secret set`)",
        "model 'ghost' does not exist",
    ]


async def test_a_secret_resolves_only_in_its_own_organization(
    factory: Factory, secret_key: bytes
) -> None:
    acme, globex = await factory.org("acme"), await factory.org("globex")
    await secret_store.set_secret(acme["id"], "db-password", "canary-acme", actor=None)
    await DataSource(organization=globex["id"], name="ds", type="postgres",
                     secret_ref={"secret": "db-password"}).save()
    with pytest.raises(UnresolvedReference, match="'db-password' does not exist") as raised:
        await build_services(globex["id"], [{"id": "a", "dataSource": "ds"}])
    assert "canary" not in str(raised.value)


async def test_operator_references_resolve_only_where_the_operator_allows(
    factory: Factory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ACME_DB_PASSWORD", "acme-pw")
    monkeypatch.setenv("PLATFORM_ONLY", "canary-platform")
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "pw").write_text("file-pw\n")
    monkeypatch.setenv("FLOWPLANE_ENV_REF_PREFIXES", "acme=ACME_")
    monkeypatch.setenv("FLOWPLANE_FILE_REF_DIRS", f"acme={tmp_path / 'acme'}")
    get_settings.cache_clear()
    try:
        org = await factory.org("acme")
        for name, ref in (("by-env", {"env": "ACME_DB_PASSWORD"}),
                          ("by-file", {"file": str(tmp_path / "acme" / "pw")}),
                          ("platform", {"env": "PLATFORM_ONLY"}),
                          ("escape", {"file": str(tmp_path / "acme" / ".." / "acme" / ".." /
                                                  "other")})):
            await DataSource(organization=org["id"], name=name, type="postgres",
                             secret_ref=ref).save()
        found = await build_services(org["id"], [{"id": "a", "dataSource": "by-env"},
                                                 {"id": "b", "dataSource": "by-file"}])
        assert {k: v["password"] for k, v in found["dataSources"].items()} == {
            "by-env": "acme-pw", "by-file": "file-pw"}
        with pytest.raises(UnresolvedReference) as raised:
            await build_services(org["id"], [{"id": "a", "dataSource": "platform"},
                                             {"id": "b", "dataSource": "escape"}])
        escape, platform = raised.value.problems  # by data source name
        assert "only files under" in escape and "starting with 'ACME_'" in platform
        assert "canary" not in str(raised.value)
    finally:
        get_settings.cache_clear()


async def test_k8s_secret_is_never_read_by_the_platform(factory: Factory) -> None:
    org = await factory.org()
    await DataSource(organization=org["id"], name="ds", type="postgres",
                     secret_ref={"k8sSecret": {"name": "db", "key": "password"}}).save()
    with pytest.raises(UnresolvedReference, match="only a deployed worker pod receives it"):
        await build_services(org["id"], [{"id": "a", "dataSource": "ds"}])


def test_mask_replaces_every_secret_in_nested_values() -> None:
    secrets = ("hunter2-long", "hunter2")
    masked = mask({"error": "auth hunter2-long failed", "list": ["x hunter2 y", 3]}, secrets)
    assert masked == {"error": "auth [secret] failed", "list": ["x [secret] y", 3]}


def test_deployed_worker_reads_services_from_its_environment() -> None:
    env = {"STRONGLY_SERVICES": json.dumps({"aiGateway": {"baseUrl": "x"}}),
           "FLOWPLANE_WORKFLOW_ID": "7"}
    assert services_from_env(7, env) == {"aiGateway": {"baseUrl": "x"}}
    # another workflow's execution (or a worker not deployed for one) builds its own
    assert services_from_env(8, env) is None
    assert services_from_env(7, {"STRONGLY_SERVICES": env["STRONGLY_SERVICES"]}) is None
    assert services_from_env(7, {}) is None


def test_the_deprecated_mounted_form_never_leaves_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mounted").mkdir()
    (tmp_path / "outside").write_text("canary-outside")
    monkeypatch.setenv("FLOWPLANE_SECRETS_DIR", str(tmp_path / "mounted"))
    get_settings.cache_clear()
    try:
        with pytest.raises(UnresolvedReference, match="is not a file under") as raised:
            resolve_secret({"secret": {"name": "..", "key": "outside"}})
        assert "canary" not in str(raised.value)
    finally:
        get_settings.cache_clear()


async def test_a_process_without_the_master_key_fails_the_reference_clearly(
    factory: Factory, secret_key: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = await factory.org()
    await secret_store.set_secret(org["id"], "pw", "canary-value", actor=None)
    await DataSource(organization=org["id"], name="ds", type="postgres",
                     secret_ref={"secret": "pw"}).save()
    monkeypatch.delenv("FLOWPLANE_SECRET_KEY")
    get_settings.cache_clear()
    with pytest.raises(UnresolvedReference, match="FLOWPLANE_SECRET_KEY is not set") as raised:
        await build_services(org["id"], [{"id": "a", "dataSource": "ds"}])
    assert "canary" not in str(raised.value)
