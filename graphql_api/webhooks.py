"""`POST /webhooks/{token}`: a webhook delivery starts an execution (202 with its id).
`POST /webhooks/sync/{org_slug}`: a signed push notification queues a sync run (202)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from domain.sync_webhooks import receive_sync_webhook
from domain.webhooks import WebhookRejected, receive_webhook


async def webhook(request: Request) -> JSONResponse:
    body = await request.body()
    outcome = await receive_webhook(request.path_params["token"], body, request.headers)
    if isinstance(outcome, WebhookRejected):
        return JSONResponse({"error": outcome.message}, status_code=outcome.status)
    return JSONResponse(
        {"executionId": outcome.execution_id, "duplicate": outcome.duplicate}, status_code=202
    )


async def sync_webhook(request: Request) -> JSONResponse:
    body = await request.body()
    outcome = await receive_sync_webhook(request.path_params["org_slug"], body, request.headers)
    if isinstance(outcome, WebhookRejected):
        return JSONResponse({"error": outcome.message}, status_code=outcome.status)
    if outcome.duplicate:  # a redelivery: answered as received, nothing queued
        return JSONResponse({"syncRunId": None, "duplicate": True}, status_code=200)
    return JSONResponse({"syncRunId": outcome.run_id, "duplicate": False}, status_code=202)
