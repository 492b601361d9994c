"""rotateWebhookToken (for those who may change the workflow) and webhookUrl, which is shown
only while the workflow is active with a webhook trigger, and only to callers who may run it."""

from __future__ import annotations

from typing import Any

from db.tables import WorkflowShare
from domain.settings import get_settings
from domain.webhooks import ensure_webhook_token
from tests.factory import Factory
from tests.graphql_api.conftest import Cast, gid

ROTATE = """mutation($id: ID!) { rotateWebhookToken(workflowId: $id) { __typename
  ... on Workflow { webhookUrl } ... on Error { message } } }"""
URL = "query($id: ID!) { workflow(id: $id) { ... on Workflow { webhookUrl } } }"


async def webhook_workflow(cast: Cast, factory: Factory, **fields: Any) -> str:
    fields = {"status": "active", "trigger": {"type": "webhook"}, **fields}
    row = await factory.workflow(cast.owner.org, cast.owner.user, is_public=True, **fields)
    await WorkflowShare(workflow=row["id"], user=cast.shared.user["id"]).save()
    await ensure_webhook_token(row["id"])
    return gid("Workflow", row["id"])


async def url_of(cast: Cast, workflow_id: str) -> str | None:
    found: str | None = (await cast.owner.gql(URL, id=workflow_id))["workflow"]["webhookUrl"]
    return found


async def test_writers_rotate_the_webhook_url(cast: Cast, factory: Factory) -> None:
    wid = await webhook_workflow(cast, factory)
    before = await url_of(cast, wid)
    assert before is not None and before.startswith(f"{get_settings().public_url}/webhooks/")
    seen = {before}
    for caller in (cast.owner, cast.shared, cast.admin):
        rotated = (await caller.gql(ROTATE, id=wid))["rotateWebhookToken"]
        assert rotated["__typename"] == "Workflow", rotated
        assert rotated["webhookUrl"] not in seen
        seen.add(rotated["webhookUrl"])
        assert await url_of(cast, wid) == rotated["webhookUrl"]


async def test_readers_and_strangers_cannot_rotate(cast: Cast, factory: Factory) -> None:
    wid = await webhook_workflow(cast, factory)
    before = await url_of(cast, wid)
    forbidden = (await cast.other.gql(ROTATE, id=wid))["rotateWebhookToken"]
    assert forbidden["__typename"] == "Forbidden"
    hidden = (await cast.stranger.gql(ROTATE, id=wid))["rotateWebhookToken"]
    assert hidden["__typename"] == "WorkflowNotFound"
    assert (await cast.owner.gql(ROTATE, id="nope"))["rotateWebhookToken"]["__typename"] == (
        "InvalidInput")
    assert await url_of(cast, wid) == before


async def test_webhook_url_only_while_active_with_a_webhook_trigger(
    cast: Cast, factory: Factory
) -> None:
    draft = await webhook_workflow(cast, factory, status="draft")
    manual = await webhook_workflow(cast, factory, trigger={"type": "manual"})
    paused = await webhook_workflow(cast, factory, status="paused")
    for wid in (draft, manual, paused):
        assert await url_of(cast, wid) is None
    rotated = (await cast.owner.gql(ROTATE, id=draft))["rotateWebhookToken"]
    assert rotated == {"__typename": "Workflow", "webhookUrl": None}


async def test_webhook_url_is_shown_only_to_callers_who_may_run_the_workflow(
    cast: Cast, factory: Factory
) -> None:
    """The workflow is public: every member reads it, only writers may run it."""
    wid = await webhook_workflow(cast, factory)
    for caller in (cast.owner, cast.shared, cast.admin):
        shown = (await caller.gql(URL, id=wid))["workflow"]["webhookUrl"]
        assert shown is not None and "/webhooks/" in shown
    read = (await cast.other.gql(URL, id=wid))["workflow"]
    assert read == {"webhookUrl": None}
