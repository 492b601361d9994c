"""The registry of resource kinds (domain.resources): each kind reads and writes its typed row."""

from __future__ import annotations

from typing import Any

import pytest

from domain.access import Actor
from domain.pages import Window
from domain.resources import (
    ADD_ON,
    DATA_SOURCE,
    ENVIRONMENT,
    KINDS,
    MODEL,
    ResourceKind,
    create_resource,
    delete_resource,
    list_resources,
)
from domain.rows import ResourceRow
from domain.spec._issues import validate_model
from tests.factory import Factory

# A valid spec of each kind, with JSON columns set (Any: JSON values).
SPECS: dict[str, dict[str, Any]] = {
    ENVIRONMENT.kind: {"python": {"packages": ["six"]}, "nodeTypes": ["acme.shout"]},
    DATA_SOURCE.kind: {"type": "postgres", "host": "db", "passwordRef": {"secret": "pw"}},
    ADD_ON.kind: {"type": "search", "endpoint": "http://search:9200",
                  "credentialsRef": {"secret": "key"}, "config": {"index": "docs"}},
    MODEL.kind: {"provider": "openai", "model": "gpt-4o", "apiKeyRef": {"secret": "key"}},
}


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.kind)
def test_each_kind_sets_only_columns_its_row_declares(kind: ResourceKind[ResourceRow]) -> None:
    parsed, issues = validate_model(kind.spec, SPECS[kind.kind])
    assert parsed is not None, issues
    assert kind.table == kind.row.TABLE
    assert set(kind.columns(parsed)) <= set(kind.row.columns())


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.kind)
async def test_a_resource_comes_back_as_its_kinds_row_with_json_decoded(
    factory: Factory, kind: ResourceKind[ResourceRow]
) -> None:
    org = await factory.org()
    admin = Actor((await factory.user(org=org, role="admin"))["id"], org["id"], "admin")
    created = await create_resource(admin, kind, "one", SPECS[kind.kind])
    assert isinstance(created, kind.row)
    assert (created.name, created.organization, created.managed_by) == ("one", org["id"], "api")
    parsed, _ = validate_model(kind.spec, SPECS[kind.kind])
    for column, value in kind.columns(parsed).items():
        assert getattr(created, column) == value, column  # JSON columns decoded once
    page = await list_resources(admin, kind, Window(size=10))
    assert page.rows == [created] and not page.has_more
    deleted = await delete_resource(admin, kind, created.id)
    assert deleted == created
