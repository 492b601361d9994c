"""Organizations, users and memberships (roles `admin` and `member`)."""

from __future__ import annotations

from collections.abc import Sequence

from db.tables import AppUser, Membership, Organization
from domain._sql import fetch, fetch_one
from domain.errors import NotFound
from domain.rows import OrganizationRow, UserRow

SYNC_PRINCIPAL_PREFIX = "sync-"


async def create_organization(slug: str, name: str | None = None) -> OrganizationRow:
    row = Organization(slug=slug, name=name or slug)
    await row.save()
    return OrganizationRow.from_columns(row.to_dict())


async def organization_by_slug(slug: str) -> OrganizationRow:
    row = await fetch_one("SELECT * FROM organization WHERE slug = $1", slug)
    if row is None:
        raise NotFound(f"organization {slug!r} does not exist")
    return OrganizationRow.from_record(row)


async def organization_by_ref(ref: str) -> OrganizationRow | None:
    """An organization by id or slug (the X-Organization-ID header accepts both)."""
    if ref.isascii() and ref.isdigit() and len(ref) <= 10:
        row = await fetch_one("SELECT * FROM organization WHERE id = $1", int(ref))
    else:
        row = await fetch_one("SELECT * FROM organization WHERE slug = $1", ref)
    return None if row is None else OrganizationRow.from_record(row)


async def organizations_by_ids(ids: Sequence[int]) -> dict[int, OrganizationRow]:
    rows = await fetch("SELECT * FROM organization WHERE id = ANY($1::int[])", list(ids))
    return {int(row["id"]): OrganizationRow.from_record(row) for row in rows}


async def organizations_of(user_id: int) -> list[OrganizationRow]:
    """The organizations the user is a member of, by slug."""
    rows = await fetch(
        "SELECT o.* FROM organization o JOIN membership m ON m.organization = o.id"
        ' WHERE m."user" = $1 ORDER BY o.slug', user_id)
    return [OrganizationRow.from_record(row) for row in rows]


async def create_user(handle: str, *, is_service: bool = False) -> UserRow:
    row = AppUser(handle=handle, display_name=handle, is_service=is_service)
    await row.save()
    return UserRow.from_columns(row.to_dict())


async def add_member(organization_id: int, user_id: int, role: str = "member") -> None:
    """Add a user to an organization, or change their role (idempotent)."""
    await Membership.insert(
        Membership(organization=organization_id, user=user_id, role=role)
    ).on_conflict(
        target=(Membership.organization, Membership.user),
        action="DO UPDATE",
        values=[Membership.role],
    )


async def membership_role(organization_id: int, user_id: int) -> str | None:
    row = await Membership.select(Membership.role).where(
        (Membership.organization == organization_id) & (Membership.user == user_id)
    ).first()
    return None if row is None else str(row["role"])


async def sync_principal(organization_id: int, slug: str) -> UserRow:
    """The service user the git sync of an organization acts as (created on first use)."""
    handle = f"{SYNC_PRINCIPAL_PREFIX}{slug}"
    found = await fetch_one("SELECT * FROM app_user WHERE handle = $1", handle)
    user = await create_user(handle, is_service=True) if found is None \
        else UserRow.from_record(found)
    await add_member(organization_id, user.id, "admin")
    return user
