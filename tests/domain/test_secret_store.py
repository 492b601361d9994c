"""The secret store against a real PostgreSQL: envelope encryption, organization scoping,
admin-only writes, and master-key rotation."""

from __future__ import annotations

import asyncio

import pytest

from domain import _envelope, secret_store
from domain._envelope import SecretKeyError
from domain._sql import fetch, fetch_one
from domain.access import Actor
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.pages import Window
from domain.settings import get_settings
from tests.factory import Factory


def use_key(monkeypatch: pytest.MonkeyPatch, key: bytes) -> None:
    monkeypatch.setenv("FLOWPLANE_SECRET_KEY", _envelope.encode_key(key))
    get_settings.cache_clear()


@pytest.fixture
def master(secret_key: bytes) -> bytes:
    return secret_key


def test_value_is_bound_to_its_organization_and_name() -> None:
    key = _envelope.new_key()
    sealed = _envelope.encrypt_value(key, 1, "db-password", "hunter2")
    assert b"hunter2" not in sealed
    assert _envelope.decrypt_value(key, 1, "db-password", sealed) == "hunter2"
    for org, name in ((2, "db-password"), (1, "other")):
        with pytest.raises(SecretKeyError, match="does not decrypt"):
            _envelope.decrypt_value(key, org, name, sealed)
    with pytest.raises(SecretKeyError):
        _envelope.decrypt_value(_envelope.new_key(), 1, "db-password", sealed)


def test_the_checksum_key_is_derived_from_the_master_key_and_stable(
    monkeypatch: pytest.MonkeyPatch, master: bytes
) -> None:
    first = secret_store.checksum_key()
    assert first == secret_store.checksum_key() and len(first) == 32
    assert first != master and master not in first
    use_key(monkeypatch, _envelope.new_key())
    assert secret_store.checksum_key() != first
    monkeypatch.delenv("FLOWPLANE_SECRET_KEY")  # no master key: keyed by the platform's URL
    monkeypatch.setenv("DATABASE_URL", "postgresql://platform:pw@db/flowplane")
    get_settings.cache_clear()
    without = secret_store.checksum_key()
    monkeypatch.setenv("DATABASE_URL", "postgresql://platform:other@db/flowplane")
    get_settings.cache_clear()
    assert secret_store.checksum_key() != without


def test_wrapped_data_key_opens_only_with_its_master_and_organization() -> None:
    master, data_key = _envelope.new_key(), _envelope.new_key()
    wrapped = _envelope.wrap_data_key(master, 7, data_key)
    assert _envelope.unwrap_data_key(master, 7, wrapped) == data_key
    with pytest.raises(SecretKeyError, match="organization 8"):
        _envelope.unwrap_data_key(master, 8, wrapped)
    with pytest.raises(SecretKeyError, match="not the key"):
        _envelope.unwrap_data_key(_envelope.new_key(), 7, wrapped)


@pytest.mark.parametrize("text, message", [
    ("not base64!!", "not URL-safe base64"),
    (_envelope.encode_key(b"short"), "32 bytes, not 5"),
])
def test_malformed_master_key_is_refused(text: str, message: str) -> None:
    with pytest.raises(SecretKeyError, match=message):
        _envelope.parse_key(text)


async def test_values_are_stored_encrypted_and_resolve_in_their_organization(
    factory: Factory, master: bytes
) -> None:
    acme, globex = await factory.org("acme"), await factory.org("globex")
    await secret_store.set_secret(acme["id"], "db-password", "canary-acme", actor=None)
    await secret_store.set_secret(globex["id"], "db-password", "canary-globex", actor=None)
    stored = await fetch("SELECT ciphertext FROM secret")
    assert all(b"canary" not in bytes(row["ciphertext"]) for row in stored)
    assert await secret_store.resolve(acme["id"], "db-password") == "canary-acme"
    assert await secret_store.resolve(globex["id"], "db-password") == "canary-globex"
    assert await secret_store.resolve(acme["id"], "missing") is None
    # A ciphertext moved to another organization's row does not open there.
    await fetch("UPDATE secret SET ciphertext = (SELECT ciphertext FROM secret WHERE"
                " organization = $1) WHERE organization = $2", acme["id"], globex["id"])
    with pytest.raises(SecretKeyError, match="does not decrypt"):
        await secret_store.resolve(globex["id"], "db-password")


async def test_set_again_replaces_the_value_and_counts_versions(
    factory: Factory, master: bytes
) -> None:
    org = await factory.org()
    admin = await factory.user("root", org, role="admin")
    actor = Actor(user_id=admin["id"], organization_id=org["id"], role="admin")
    first = await secret_store.set_secret(org["id"], "token", "one", actor=actor)
    second = await secret_store.set_secret(org["id"], "token", "two", actor=None)
    assert (first.version, second.version) == (1, 2)
    assert (first.set_by, second.set_by) == (admin["id"], None)
    assert "ciphertext" not in second.as_dict()
    assert await secret_store.resolve(org["id"], "token") == "two"


async def test_concurrent_first_secrets_share_one_data_key(
    factory: Factory, master: bytes
) -> None:
    org = await factory.org()
    await asyncio.gather(*(secret_store.set_secret(org["id"], f"s{n}", f"v{n}", actor=None)
                           for n in range(8)))
    keys = await fetch("SELECT * FROM organization_key WHERE organization = $1", org["id"])
    assert len(keys) == 1
    assert [await secret_store.resolve(org["id"], f"s{n}") for n in range(8)] == [
        f"v{n}" for n in range(8)]


async def test_only_admins_of_the_organization_write(factory: Factory, master: bytes) -> None:
    org, other = await factory.org(), await factory.org()
    member = await factory.user("mem", org)
    as_member = Actor(user_id=member["id"], organization_id=org["id"], role="member")
    other_admin = Actor(user_id=member["id"], organization_id=other["id"], role="admin")
    for actor in (as_member, other_admin):
        with pytest.raises(Forbidden, match="only organization admins"):
            await secret_store.set_secret(org["id"], "x", "v", actor=actor)
        with pytest.raises(Forbidden):
            await secret_store.delete_secret(org["id"], "x", actor=actor)
    assert await fetch("SELECT * FROM secret") == []


async def test_bad_names_and_values_are_invalid_input(factory: Factory, master: bytes) -> None:
    org = await factory.org()
    for name, value, field in (("Bad_Name", "v", "name"), ("ok", "", "value"),
                               ("ok", "x" * (secret_store.MAX_VALUE_BYTES + 1), "value")):
        with pytest.raises(InvalidInput) as caught:
            await secret_store.set_secret(org["id"], name, value, actor=None)
        assert [error.field for error in caught.value.errors] == [field]  # type: ignore[attr-defined]


async def test_delete_and_list_never_show_values(factory: Factory, master: bytes) -> None:
    org = await factory.org()
    for name in ("b", "a", "c"):
        await secret_store.set_secret(org["id"], name, f"value-{name}", actor=None)
    page = await secret_store.list_secrets(org["id"], Window(size=2))
    assert [row.name for row in page.rows] == ["a", "b"] and page.has_more
    assert all("ciphertext" not in row.as_dict() for row in page.rows)
    assert await secret_store.count_secrets(org["id"]) == 3
    deleted = await secret_store.delete_secret(org["id"], "b", actor=None)
    assert deleted.name == "b"
    with pytest.raises(NotFound, match="secret 'b' does not exist"):
        await secret_store.delete_secret(org["id"], "b", actor=None)
    assert await secret_store.resolve(org["id"], "b") is None


async def test_change_hooks_hear_each_set_and_delete(factory: Factory, master: bytes) -> None:
    org = await factory.org()
    heard: list[tuple[int, str]] = []

    async def hook(organization_id: int, name: str) -> None:
        heard.append((organization_id, name))

    secret_store.on_change(hook)
    try:
        await secret_store.set_secret(org["id"], "k", "v", actor=None)
        await secret_store.delete_secret(org["id"], "k", actor=None)
    finally:
        secret_store._change_hooks.remove(hook)
    assert heard == [(org["id"], "k"), (org["id"], "k")]


async def test_rotation_rewraps_so_old_values_open_with_the_new_key_only(
    factory: Factory, master: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme, globex = await factory.org(), await factory.org()
    await secret_store.set_secret(acme["id"], "pw", "acme-value", actor=None)
    await secret_store.set_secret(globex["id"], "pw", "globex-value", actor=None)
    before = await fetch("SELECT ciphertext FROM secret ORDER BY id")
    new = _envelope.new_key()
    assert await secret_store.rotate_master_key(master, new) == 2
    # Values were not touched: only the data keys were re-wrapped.
    assert await fetch("SELECT ciphertext FROM secret ORDER BY id") == before
    use_key(monkeypatch, new)
    assert await secret_store.resolve(acme["id"], "pw") == "acme-value"
    assert await secret_store.resolve(globex["id"], "pw") == "globex-value"
    use_key(monkeypatch, master)
    with pytest.raises(SecretKeyError, match="not the key"):
        await secret_store.resolve(acme["id"], "pw")


async def test_rotation_with_a_wrong_old_key_changes_nothing(
    factory: Factory, master: bytes
) -> None:
    org = await factory.org()
    await secret_store.set_secret(org["id"], "pw", "v", actor=None)
    before = await fetch_one("SELECT wrapped_key FROM organization_key")
    with pytest.raises(SecretKeyError):
        await secret_store.rotate_master_key(_envelope.new_key(), _envelope.new_key())
    assert await fetch_one("SELECT wrapped_key FROM organization_key") == before
    assert await secret_store.resolve(org["id"], "pw") == "v"


async def test_data_key_handed_to_a_worker_opens_only_its_organization(
    factory: Factory, master: bytes
) -> None:
    acme, globex = await factory.org(), await factory.org()
    await secret_store.set_secret(acme["id"], "pw", "acme-value", actor=None)
    await secret_store.set_secret(globex["id"], "pw", "globex-value", actor=None)
    acme_key = await secret_store.organization_data_key(acme["id"])
    assert acme_key != master
    rows = {row["organization"]: bytes(row["ciphertext"])
            for row in await fetch("SELECT organization, ciphertext FROM secret")}
    assert _envelope.decrypt_value(acme_key, acme["id"], "pw", rows[acme["id"]]) == "acme-value"
    with pytest.raises(SecretKeyError):
        _envelope.decrypt_value(acme_key, globex["id"], "pw", rows[globex["id"]])


async def test_without_a_master_key_the_store_says_how_to_get_one(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLOWPLANE_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    org = await factory.org()
    with pytest.raises(SecretKeyError, match="FLOWPLANE_SECRET_KEY is not set"):
        await secret_store.set_secret(org["id"], "pw", "v", actor=None)


async def test_an_organizations_worker_resolves_with_its_data_key_alone(
    factory: Factory, master: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme, globex = await factory.org(), await factory.org()
    await secret_store.set_secret(acme["id"], "pw", "acme-value", actor=None)
    await secret_store.set_secret(globex["id"], "pw", "globex-value", actor=None)
    acme_key = await secret_store.organization_data_key(acme["id"])
    monkeypatch.delenv("FLOWPLANE_SECRET_KEY")  # the worker has no master key
    get_settings.cache_clear()
    assert await secret_store.resolve(acme["id"], "pw", data_key=acme_key) == "acme-value"
    with pytest.raises(SecretKeyError, match="does not decrypt"):
        await secret_store.resolve(globex["id"], "pw", data_key=acme_key)


async def test_an_organization_worker_process_resolves_with_the_key_it_was_handed(
    factory: Factory, master: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from domain.worker_credentials import WorkerCredentials, with_data_key, worker_environment

    acme, globex = await factory.org(), await factory.org()
    await secret_store.set_secret(acme["id"], "pw", "acme-value", actor=None)
    await secret_store.set_secret(globex["id"], "pw", "globex-value", actor=None)
    handed = await with_data_key(WorkerCredentials(acme["id"], "postgresql://x", "redis://x"))
    env = worker_environment({"FLOWPLANE_SECRET_KEY": "platform's"}, handed)
    assert "FLOWPLANE_SECRET_KEY" not in env and env["FLOWPLANE_ORG_DATA_KEY"]
    # The worker process: its own environment, no master key.
    monkeypatch.delenv("FLOWPLANE_SECRET_KEY")
    for name in ("FLOWPLANE_ORG_DATA_KEY", "FLOWPLANE_WORKER_ORGANIZATION"):
        monkeypatch.setenv(name, env[name])
    get_settings.cache_clear()
    assert await secret_store.resolve(acme["id"], "pw") == "acme-value"
    with pytest.raises(SecretKeyError, match="FLOWPLANE_SECRET_KEY is not set"):
        await secret_store.resolve(globex["id"], "pw")  # the handed key is acme's only
