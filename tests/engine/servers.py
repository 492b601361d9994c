"""Real local HTTP servers for node tests: a small Starlette app served by uvicorn on a free
port in the test's event loop (plain HTTP endpoints plus an OpenAI-compatible chat API)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from flowplane.embedded import free_port


class Recorder:
    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.bodies: list[Any] = []
        self.headers: list[dict[str, str]] = []


def build_app(recorder: Recorder) -> Starlette:
    async def echo(request: Request) -> Response:
        body = await request.json() if await request.body() else None
        recorder.bodies.append(body)
        recorder.headers.append(dict(request.headers))
        return JSONResponse({"method": request.method, "body": body,
                             "query": dict(request.query_params)})

    async def flaky(request: Request) -> Response:
        key = request.path_params["key"]
        recorder.hits[key] += 1
        recorder.headers.append(dict(request.headers))
        if recorder.hits[key] <= int(request.query_params.get("fail", "1")):
            return JSONResponse({"error": "try again"}, status_code=503)
        return JSONResponse({"attempts": recorder.hits[key]})

    async def status(request: Request) -> Response:
        recorder.hits["status"] += 1
        return JSONResponse({}, status_code=int(request.path_params["code"]))

    async def slow(request: Request) -> Response:
        await asyncio.sleep(float(request.query_params.get("seconds", "5")))
        return JSONResponse({"slept": True})

    async def chat(request: Request) -> Response:
        body = await request.json()
        recorder.bodies.append(body)
        recorder.headers.append(dict(request.headers))
        prompt = body["messages"][-1]["content"]
        return JSONResponse({
            "id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": f"echo: {prompt}"}}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
        })

    return Starlette(routes=[
        Route("/echo", echo, methods=["GET", "POST", "PUT"]),
        Route("/flaky/{key}", flaky, methods=["GET", "POST"]),
        Route("/status/{code:int}", status, methods=["GET", "POST"]),
        Route("/slow", slow, methods=["GET"]),
        Route("/v1/chat/completions", chat, methods=["POST"]),
    ])


@asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Serve the ASGI app (Any: any ASGI app) on loopback; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
