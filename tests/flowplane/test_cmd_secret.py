"""`flowplane secret` as a real subprocess against the test database: values in on stdin and
never out, operator-only key commands, and refusals with a clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from domain import _envelope, secret_store
from domain.settings import get_settings
from flowplane.errors import CliError
from flowplane.runtime import check_secret_key, dev_secret_key
from tests.factory import Factory


def _flowplane(database_url: str, key: bytes | None, *args: str,
               stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("FLOWPLANE_SECRET_KEY", None)
    if key is not None:
        env["FLOWPLANE_SECRET_KEY"] = _envelope.encode_key(key)
    return subprocess.run([sys.executable, "-m", "flowplane", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=60)


async def test_set_reads_stdin_and_list_shows_no_value(
    db: str, factory: Factory, secret_key: bytes
) -> None:
    org = await factory.org("acme")
    made = _flowplane(db, secret_key, "secret", "set", "--org", "acme", "warehouse-password",
                      stdin="canary-cli-value\n")
    assert made.returncode == 0, made.stderr
    assert "version 1" in made.stdout and "canary" not in made.stdout
    assert await secret_store.resolve(org["id"], "warehouse-password") == "canary-cli-value"
    listed = _flowplane(db, secret_key, "secret", "list", "--org", "acme")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split("\t")[0] == "warehouse-password"
    assert "operator" in listed.stdout and "canary" not in listed.stdout + listed.stderr
    deleted = _flowplane(db, secret_key, "secret", "delete", "--org", "acme",
                         "warehouse-password")
    assert deleted.returncode == 0, deleted.stderr
    assert await secret_store.resolve(org["id"], "warehouse-password") is None


async def test_refusals_are_one_clear_line(db: str, factory: Factory, secret_key: bytes) -> None:
    await factory.org("acme")
    cases = [
        (("secret", "set", "--org", "acme", "x"), "", "no secret value on stdin"),
        (("secret", "set", "--org", "nowhere", "x"), "v", "nowhere"),
        (("secret", "set", "--org", "acme", "Bad_Name"), "v", "Bad_Name"),
        (("secret", "delete", "--org", "acme", "never-set"), "", "secret 'never-set' does not"),
    ]
    for args, stdin, message in cases:
        result = _flowplane(db, secret_key, *args, stdin=stdin)
        assert result.returncode == 1, (args, result.stdout)
        assert message in result.stderr and "Traceback" not in result.stderr, result.stderr
    no_key = _flowplane(db, None, "secret", "set", "--org", "acme", "x", stdin="v")
    assert no_key.returncode == 1
    assert "FLOWPLANE_SECRET_KEY is not set" in no_key.stderr


async def test_rotate_key_rewraps_and_the_old_key_opens_nothing(
    db: str, factory: Factory, secret_key: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = await factory.org("acme")
    await secret_store.set_secret(org["id"], "pw", "before-rotation", actor=None)
    new = _envelope.new_key()
    rotated = _flowplane(db, secret_key, "secret", "rotate-key",
                         stdin=_envelope.encode_key(new))
    assert rotated.returncode == 0, rotated.stderr
    assert "1 organization" in rotated.stdout
    with_new = _flowplane(db, new, "secret", "set", "--org", "acme", "other", stdin="v")
    assert with_new.returncode == 0, with_new.stderr
    with_old = _flowplane(db, secret_key, "secret", "set", "--org", "acme", "third", stdin="v")
    assert with_old.returncode == 1 and "not the key" in with_old.stderr
    monkeypatch.setenv("FLOWPLANE_SECRET_KEY", _envelope.encode_key(new))
    get_settings.cache_clear()
    assert await secret_store.resolve(org["id"], "pw") == "before-rotation"


def test_new_key_prints_a_valid_master_key() -> None:
    result = subprocess.run([sys.executable, "-m", "flowplane", "secret", "new-key"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert len(_envelope.parse_key(result.stdout)) == 32


async def test_serve_refuses_to_start_without_the_key_once_secrets_exist(
    db: str, factory: Factory, secret_key: bytes
) -> None:
    org = await factory.org("acme")
    await secret_store.set_secret(org["id"], "pw", "v", actor=None)
    result = _flowplane(db, None, "serve", "--port", "0")
    assert result.returncode == 1
    assert "FLOWPLANE_SECRET_KEY is not set" in result.stderr


def test_dev_home_keeps_one_master_key_readable_by_its_user_only(tmp_path: Path) -> None:
    first = dev_secret_key(tmp_path)
    assert len(_envelope.parse_key(first)) == 32
    assert dev_secret_key(tmp_path) == first  # kept across restarts of `flowplane dev`
    assert (tmp_path / "secret-key").stat().st_mode & 0o777 == 0o600


async def test_a_deployed_workflows_worker_starts_without_the_master_key(
    db: str, factory: Factory, secret_key: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = await factory.org("acme")
    await secret_store.set_secret(org["id"], "pw", "v", actor=None)
    monkeypatch.delenv("FLOWPLANE_SECRET_KEY")
    get_settings.cache_clear()
    with pytest.raises(CliError, match="FLOWPLANE_SECRET_KEY is not set"):
        await check_secret_key()
    monkeypatch.setenv("FLOWPLANE_WORKFLOW_ID", "7")  # its services come with its environment
    await check_secret_key()
