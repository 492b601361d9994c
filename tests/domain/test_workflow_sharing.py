"""sharedWith as a set: owner or admin only, members of the same organization only."""

from __future__ import annotations

import pytest

from domain.errors import Forbidden, InvalidInput, NotFound
from domain.workflows import (
    create_workflow,
    get_workflow,
    share_workflow,
    shared_users,
    unshare_workflow,
    update_workflow,
)
from tests.domain.test_workflows import actors, definition
from tests.factory import Factory


async def test_sharing_twice_keeps_one_entry_and_unsharing_is_idempotent(
    factory: Factory,
) -> None:
    a = await actors(factory)
    row = await create_workflow(a["owner"], "greeter", definition())
    await share_workflow(a["owner"], row.id, a["shared"].user_id)
    await share_workflow(a["admin"], row.id, a["shared"].user_id)
    users = await shared_users(a["shared"], row.id)
    assert [u["id"] for u in users] == [a["shared"].user_id]
    await update_workflow(a["shared"], row.id, definition=definition(tags=["mine-too"]))
    await unshare_workflow(a["owner"], row.id, a["shared"].user_id)
    await unshare_workflow(a["owner"], row.id, a["shared"].user_id)
    with pytest.raises(NotFound):
        await get_workflow(a["shared"], row.id)


async def test_only_owner_or_admin_shares_and_only_with_members(factory: Factory) -> None:
    a = await actors(factory)
    row = await create_workflow(
        a["owner"], "greeter", definition(), shared_with=[a["shared"].user_id]
    )
    with pytest.raises(Forbidden, match="only the owner"):
        await share_workflow(a["shared"], row.id, a["other"].user_id)
    with pytest.raises(InvalidInput, match="not a member") as outsider:
        await share_workflow(a["owner"], row.id, a["stranger"].user_id)
    assert [e.field for e in outsider.value.errors] == ["userId"]  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        await share_workflow(a["stranger"], row.id, a["stranger"].user_id)
