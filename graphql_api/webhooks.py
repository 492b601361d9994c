"""`POST /webhooks/{token}`: a webhook delivery starts an execution (202 with its id)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from domain.webhooks import WebhookRejected, receive_webhook


async def webhook(request: Request) -> JSONResponse:
    body = await request.body()
    outcome = await receive_webhook(request.path_params["token"], body, request.headers)
    if isinstance(outcome, WebhookRejected):
        return JSONResponse({"error": outcome.message}, status_code=outcome.status)
    return JSONResponse(
        {"executionId": outcome.execution_id, "duplicate": outcome.duplicate}, status_code=202
    )
