"""Announcements that someone's access may have shrunk, for open websockets to re-check.

Each is a NOTIFY on `ACCESS_CHANNEL` sent in the transaction that makes the change, so it
arrives only once the change is committed (and never for one rolled back). Payloads carry ids
only: a listener re-reads access from the database, so a spoofed or repeated announcement
costs a re-check and grants nothing.

- `token:<id>`: the token was revoked.
- `member:<organization>:<user>`: the user's membership changed (removed, or a new role).
- `workflow:<id>`: who may read the workflow changed (made private, unshared, new owner).
  A deleted workflow needs none: its streams end with the deletion event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from db.engine import engine
from domain._sql import fetch

ACCESS_CHANNEL = "flowplane_access"

Kind = Literal["token", "member", "workflow"]


@dataclass(frozen=True)
class AccessChange:
    kind: Kind
    ids: tuple[int, ...]


async def _announce(payload: str) -> None:
    assert engine().current_transaction.get() is not None, (
        "announce access changes inside the transaction that makes them"
    )
    await fetch("SELECT pg_notify($1, $2)", ACCESS_CHANNEL, payload)


async def announce_token_revoked(token_id: int) -> None:
    await _announce(f"token:{token_id}")


async def announce_membership_changed(organization_id: int, user_id: int) -> None:
    await _announce(f"member:{organization_id}:{user_id}")


async def announce_workflow_access_changed(workflow_id: int) -> None:
    await _announce(f"workflow:{workflow_id}")


_ARITY: dict[str, int] = {"token": 1, "member": 2, "workflow": 1}


def parse_access_change(payload: str) -> AccessChange | None:
    """The change a payload names; None for anything else (never trusted beyond its ids)."""
    kind, *ids = payload.split(":")
    if _ARITY.get(kind) != len(ids) or not all(i.isascii() and i.isdigit() for i in ids):
        return None
    return AccessChange(kind=kind, ids=tuple(int(i) for i in ids))  # type: ignore[arg-type]
