"""Clones and templates follow the seed: deep copy, draft, caller owns, nothing shared."""

from __future__ import annotations

import pytest

from domain.errors import NotFound
from domain.execution_counts import execution_counts
from domain.workflows import (
    clone_workflow,
    create_template,
    create_workflow,
    create_workflow_from_template,
    set_workflow_status,
    shared_users,
)
from tests.domain.test_workflows import actors, definition
from tests.factory import Factory


async def test_clone_is_an_independent_draft_owned_by_the_caller(factory: Factory) -> None:
    a = await actors(factory)
    source = await create_workflow(
        a["owner"], "greeter", definition(), shared_with=[a["shared"].user_id], is_public=True
    )
    await set_workflow_status(a["owner"], source.id, "active")
    clone = await clone_workflow(a["other"], source.id, "my-clone")
    assert clone.owner == a["other"].user_id
    assert (clone.status, clone.version) == ("draft", 1)
    assert await execution_counts([clone.id]) == {clone.id: 0}
    assert (clone.is_public, clone.is_template, clone.cloned_from) == (
        False, False, source.id
    )
    for column in ("nodes", "connections", "settings", "trigger", "tags", "description"):
        assert getattr(clone, column) == getattr(source, column), column
    assert clone.deployment_name is None and clone.deployed_at is None
    assert await shared_users(a["other"], clone.id) == []
    with pytest.raises(NotFound):
        await clone_workflow(a["stranger"], source.id, "stolen")


async def test_templates_point_at_their_source_and_make_new_workflows(factory: Factory) -> None:
    a = await actors(factory)
    source = await create_workflow(a["owner"], "greeter", definition(), is_public=True)
    template = await create_template(a["owner"], source.id)
    second = await create_template(a["owner"], source.id)
    assert (template.name, second.name) == ("greeter-template", "greeter-template-2")
    assert (template.is_template, template.template) == (True, source.id)
    made = await create_workflow_from_template(a["admin"], template.id, "from-template")
    assert (made.is_template, made.template, made.owner) == (
        False, template.id, a["admin"].user_id
    )
    assert made.nodes == source.nodes
    with pytest.raises(NotFound, match="template"):
        await create_workflow_from_template(a["owner"], source.id, "not-from-template")
    with pytest.raises(NotFound):  # private template of someone else
        await create_workflow_from_template(a["other"], template.id, "nope")
