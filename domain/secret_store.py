"""The organizations' secret store: values encrypted at rest, resolved only inside their
organization, at the moment of use.

Envelope scheme (domain._envelope): the master key FLOWPLANE_SECRET_KEY wraps one data key per
organization (`organization_key`); values (`secret`) are encrypted under their organization's
data key with (organization, name) as associated data. A worker that runs one organization's
workflows can be handed `organization_data_key(org)` alone: it opens that organization's
values and nothing else, and the master key stays in platform processes.

Setting and deleting are for organization admins (or the operator: `actor=None`, the CLI);
every member may list names, who set them and when. Values never leave through here except
from `resolve`, for the organization that owns them.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

from db.engine import engine
from domain import _envelope
from domain._envelope import SecretKeyError
from domain._sql import fetch, fetch_one
from domain._workflow_rules import check_name, invalid
from domain.access import Actor
from domain.errors import Forbidden, NotFound
from domain.pages import Order, Page, Window, keyset
from domain.rows import SecretRow
from domain.settings import get_settings

# Set by the platform for an organization's worker process (domain.worker_credentials).
DATA_KEY_ENV, WORKER_ORG_ENV = "FLOWPLANE_ORG_DATA_KEY", "FLOWPLANE_WORKER_ORGANIZATION"
MAX_VALUE_BYTES = 64 * 1024
BY_NAME = Order(("t.name",))
LISTED = ", ".join(SecretRow.columns())  # never the ciphertext
# Called after a value changed, with (organization id, secret name), after the redeploy of
# the deployed workflows that use it.
_change_hooks: list[Callable[[int, str], Awaitable[None]]] = []


def on_change(hook: Callable[[int, str], Awaitable[None]]) -> None:
    """Register `hook(organization_id, name)`, awaited after a secret is set or deleted."""
    _change_hooks.append(hook)


def new_master_key() -> str:
    """A fresh master key in its text form (what FLOWPLANE_SECRET_KEY holds)."""
    return _envelope.encode_key(_envelope.new_key())


def parse_master_key(text: str, source: str) -> bytes:
    """A master key from its text form; SecretKeyError saying what is wrong with it."""
    return _envelope.parse_key(text, source)


def master_key() -> bytes:
    """The master key from FLOWPLANE_SECRET_KEY; SecretKeyError when unset or malformed."""
    text = get_settings().secret_key.get_secret_value()
    if not text:
        raise SecretKeyError("FLOWPLANE_SECRET_KEY is not set: the secret store needs its "
                             "master key (generate one with `flowplane secret new-key`)")
    return _envelope.parse_key(text)


def checksum_key() -> bytes:
    """The key of the worker Deployments' secret checksums, derived from the master key; an
    installation without one (it stores no secrets) derives it from its DATABASE_URL, the
    platform's own credential. Stable across restarts: an unchanged Secret keeps its checksum."""
    text = get_settings().secret_key.get_secret_value()
    material = master_key() if text else get_settings().database_url.encode()
    return _envelope.derive_key(material, "secret-checksum")


async def secrets_exist() -> bool:
    """Whether any organization stored a secret (a process then needs the master key)."""
    return await fetch_one("SELECT 1 AS x FROM organization_key LIMIT 1") is not None


async def _data_key(organization_id: int, master: bytes, *, create: bool) -> bytes | None:
    row = await fetch_one("SELECT wrapped_key FROM organization_key WHERE organization = $1",
                          organization_id)
    if row is None and create:
        wrapped = _envelope.wrap_data_key(master, organization_id, _envelope.new_key())
        # Two first secrets at once: one data key wins, both use it.
        await fetch("INSERT INTO organization_key (organization, wrapped_key) VALUES ($1, $2)"
                    " ON CONFLICT (organization) DO NOTHING", organization_id, wrapped)
        row = await fetch_one("SELECT wrapped_key FROM organization_key"
                              " WHERE organization = $1", organization_id)
    if row is None:
        return None
    return _envelope.unwrap_data_key(master, organization_id, bytes(row["wrapped_key"]))


def handed_data_key(organization_id: int) -> bytes | None:
    """The data key this process was handed as the worker of `organization_id`
    (FLOWPLANE_ORG_DATA_KEY, domain.worker_credentials), if it is that organization's."""
    key = os.environ.get(DATA_KEY_ENV)
    if not key or os.environ.get(WORKER_ORG_ENV) != str(organization_id):
        return None
    return _envelope.parse_key(key, DATA_KEY_ENV)


async def organization_data_key(organization_id: int) -> bytes:
    """The organization's unwrapped data key (created on first use): what a worker of this
    organization alone may be given to open its secrets. Never the master key."""
    key = await _data_key(organization_id, master_key(), create=True)
    assert key is not None  # created above
    return key


def _check_admin(actor: Actor | None, organization_id: int) -> None:
    if actor is not None and (actor.organization_id != organization_id or not actor.is_admin):
        raise Forbidden("only organization admins may set or delete secrets")


def _check_value(value: str) -> None:
    size = len(value.encode())
    if size == 0:
        raise invalid("value", "a secret value cannot be empty")
    if size > MAX_VALUE_BYTES:
        raise invalid("value", f"a secret value is at most {MAX_VALUE_BYTES} bytes, not {size}")


async def _changed(organization_id: int, name: str) -> None:
    """Deployed workflows that use the secret run with the old value baked into their
    workers' STRONGLY_SERVICES: redeploy them (a failed redeploy, e.g. of a deleted secret,
    keeps the running deployment and is logged by domain.redeploys)."""
    # Late import: domain.redeploys reaches back here through domain.services.
    from domain.redeploys import redeploy_changed

    await redeploy_changed(organization_id, rotated_secret=name)
    for hook in _change_hooks:
        await hook(organization_id, name)


async def set_secret(organization_id: int, name: str, value: str, *,
                     actor: Actor | None) -> SecretRow:
    """Store (or replace) a value; `actor` None is the operator. The row without ciphertext."""
    _check_admin(actor, organization_id)
    check_name(name)
    _check_value(value)
    master = master_key()
    async with engine().transaction():
        data_key = await _data_key(organization_id, master, create=True)
        assert data_key is not None  # created above
        sealed = _envelope.encrypt_value(data_key, organization_id, name, value)
        row = await fetch_one(
            "INSERT INTO secret AS s (organization, name, ciphertext, set_by)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (organization, name) DO UPDATE"
            " SET ciphertext = EXCLUDED.ciphertext, set_by = EXCLUDED.set_by,"
            " set_at = now(), version = s.version + 1"
            f" RETURNING {LISTED}",
            organization_id, name, sealed, None if actor is None else actor.user_id)
    assert row is not None  # INSERT ... RETURNING returns the row
    await _changed(organization_id, name)
    return SecretRow.from_record(row)


async def delete_secret(organization_id: int, name: str, *,
                        actor: Actor | None) -> SecretRow:
    """Delete a value (NotFound if the organization has none by that name)."""
    _check_admin(actor, organization_id)
    row = await fetch_one(f"DELETE FROM secret WHERE organization = $1 AND name = $2"
                          f" RETURNING {LISTED}", organization_id, name)
    if row is None:
        raise NotFound(f"secret {name!r} does not exist")
    await _changed(organization_id, name)
    return SecretRow.from_record(row)


async def list_secrets(organization_id: int, window: Window) -> Page[SecretRow]:
    """The organization's secrets by name: names, who set them and when, never values."""
    args: list[Any] = [organization_id]
    conditions, ordering = keyset(BY_NAME, window, args)
    rows = await fetch(f"SELECT {LISTED} FROM secret t WHERE organization = $1{conditions}"
                       f"{ordering}", *args)
    return Page.of([SecretRow.from_record(row) for row in rows], window)


async def count_secrets(organization_id: int) -> int:
    row = await fetch_one("SELECT count(*) AS n FROM secret WHERE organization = $1",
                          organization_id)
    return 0 if row is None else int(row["n"])


async def secrets_by_ids(organization_id: int, ids: list[int]) -> dict[int, SecretRow]:
    rows = await fetch(f"SELECT {LISTED} FROM secret WHERE organization = $1"
                       " AND id = ANY($2::int[])", organization_id, ids)
    return {int(row["id"]): SecretRow.from_record(row) for row in rows}


async def secret_names(organization_id: int) -> set[str]:
    rows = await fetch("SELECT name FROM secret WHERE organization = $1", organization_id)
    return {str(row["name"]) for row in rows}


async def resolve(organization_id: int, name: str, *,
                  data_key: bytes | None = None) -> str | None:
    """The value of the organization's secret `name`, decrypted now; None if it has none.
    With `data_key` (the organization's, as handed to its worker) no master key is needed;
    another organization's data key does not open the value."""
    row = await fetch_one("SELECT ciphertext FROM secret WHERE organization = $1 AND name = $2",
                          organization_id, name)
    if row is None:
        return None
    if data_key is None:
        data_key = handed_data_key(organization_id)
    if data_key is None:
        data_key = await _data_key(organization_id, master_key(), create=False)
    assert data_key is not None  # a secret exists only under its organization's key
    return _envelope.decrypt_value(data_key, organization_id, name, bytes(row["ciphertext"]))


async def rotate_master_key(old: bytes, new: bytes) -> int:
    """Re-wrap every organization's data key from `old` to `new` in one transaction (values
    stay as they are: they are under the data keys). The number of organizations re-wrapped;
    SecretKeyError, and nothing changed, if `old` does not open one of them."""
    async with engine().transaction():
        rows = await fetch("SELECT organization, wrapped_key FROM organization_key"
                           " ORDER BY organization FOR UPDATE")
        for row in rows:
            org = int(row["organization"])
            data_key = _envelope.unwrap_data_key(old, org, bytes(row["wrapped_key"]))
            await fetch("UPDATE organization_key SET wrapped_key = $2, rotated_at = now()"
                        " WHERE organization = $1", org,
                        _envelope.wrap_data_key(new, org, data_key))
    return len(rows)
