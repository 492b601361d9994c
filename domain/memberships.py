"""Organization memberships as managed by organization admins through the API: list, add or
change a role, remove. An organization always keeps at least one admin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from db.engine import engine
from domain._sql import fetch, fetch_one
from domain._workflow_rules import invalid
from domain.access import Actor
from domain.access_changes import announce_membership_changed
from domain.errors import Forbidden, LastAdmin, NotFound
from domain.organizations import add_member
from domain.pages import Order, Page, Window, keyset
from domain.rows import MemberRow

ROLES = ("admin", "member")


_MEMBERS = (
    'SELECT m.id, m."user", m.role, m.created_at, u.handle, u.display_name, u.email,'
    ' u.is_service FROM membership m JOIN app_user u ON u.id = m."user" WHERE m.organization = $1'
)
BY_HANDLE = Order(("u.handle",))


async def list_members(actor: Actor, window: Window) -> Page[MemberRow]:
    """Members of the actor's organization by handle."""
    args: list[Any] = [actor.organization_id]
    conditions, ordering = keyset(BY_HANDLE, window, args)
    rows = await fetch(_MEMBERS + conditions + ordering, *args)
    return Page.of([MemberRow.from_record(row) for row in rows], window)


async def count_members(actor: Actor) -> int:
    row = await fetch_one("SELECT count(*) AS n FROM membership WHERE organization = $1",
                          actor.organization_id)
    return 0 if row is None else int(row["n"])


async def members_by_ids(actor: Actor, membership_ids: Sequence[int]) -> dict[int, MemberRow]:
    """Memberships of the actor's organization among `membership_ids`."""
    rows = await fetch(_MEMBERS + " AND m.id = ANY($2::int[])", actor.organization_id,
                       list(membership_ids))
    return {int(row["id"]): MemberRow.from_record(row) for row in rows}


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only organization admins may manage memberships")


async def _keep_an_admin(actor: Actor, user_id: int) -> None:
    """LastAdmin when `user_id` is the organization's last admin (demoting or removing them)."""
    admins = await fetch(
        "SELECT \"user\" FROM membership WHERE organization = $1 AND role = 'admin' FOR UPDATE",
        actor.organization_id,
    )
    if [int(row["user"]) for row in admins] == [user_id]:
        raise LastAdmin()


async def set_member(actor: Actor, handle: str, role: str) -> MemberRow:
    """Add the user `handle` to the organization with `role`, or change their role.

    A user who already belongs to another organization is not added: an admin of one tenant
    must not pull someone else's account into theirs (and make it act there) without consent.
    An operator does that with `flowplane user create --org SLUG HANDLE`. The change is
    announced, so the user's open websockets re-check what they may still follow."""
    _require_admin(actor)
    if role not in ROLES:
        raise invalid("role", f"{role!r} is not a role ({', '.join(ROLES)})")
    user = await fetch_one(
        "SELECT u.id, bool_or(m.organization = $2) AS here, count(m.id) AS memberships"
        ' FROM app_user u LEFT JOIN membership m ON m."user" = u.id'
        " WHERE u.handle = $1 GROUP BY u.id",
        handle, actor.organization_id,
    )
    # One answer for "no such user" and "a user of another organization": an admin must not
    # learn which handles exist elsewhere on the install.
    if user is None or (not user["here"] and user["memberships"] > 0):
        raise invalid("handle", f"there is no user {handle!r} you can add; an operator adds "
                      f"an existing account with `flowplane user create --org <slug> {handle}`")
    async with engine().transaction():
        if role != "admin":
            await _keep_an_admin(actor, int(user["id"]))
        await add_member(actor.organization_id, int(user["id"]), role)
        await announce_membership_changed(actor.organization_id, int(user["id"]))
    return await _member(actor, int(user["id"]))


async def remove_member(actor: Actor, user_id: int) -> MemberRow:
    _require_admin(actor)
    async with engine().transaction():
        member = await _member(actor, user_id)
        await _keep_an_admin(actor, user_id)
        await fetch(
            'DELETE FROM membership WHERE organization = $1 AND "user" = $2',
            actor.organization_id, user_id,
        )
        await announce_membership_changed(actor.organization_id, user_id)
    return member


async def _member(actor: Actor, user_id: int) -> MemberRow:
    row = await fetch_one(_MEMBERS + ' AND m."user" = $2', actor.organization_id, user_id)
    if row is None:
        raise NotFound(f"user {user_id} is not a member of this organization")
    return MemberRow.from_record(row)
