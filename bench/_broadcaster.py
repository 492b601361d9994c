"""The baseline of `bench/fanout.py`: a bare broadcaster. One LISTEN connection on the event
channel; every announcement is pushed as one frame, built once, to every connected websocket
client. Same stack as `flowplane serve` (Starlette under uvicorn, `ws="auto"`), none of its
work (no event read, no GraphQL, no access checks, no per-subscriber buffers).

`python -m bench._broadcaster PORT DATABASE_URL FRAME`: FRAME is the text pushed on each
announcement (the bench passes one the size of the server's). It speaks just enough
graphql-transport-ws for `bench._subscribers`: an ack to `connection_init`, one `next` to
`subscribe` (the "snapshot"), then FRAME per announcement.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from domain.events import CHANNEL

CLIENTS: set[WebSocket] = set()


def _app(dsn: str, frame: str) -> Starlette:
    async def push(*_args: Any) -> None:
        await asyncio.gather(*(ws.send_text(frame) for ws in list(CLIENTS)),
                             return_exceptions=True)

    def on_notify(*_args: Any) -> None:
        asyncio.get_running_loop().create_task(push())

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        conn = await asyncpg.connect(dsn)
        await conn.add_listener(CHANNEL, on_notify)
        yield
        await conn.close()

    async def socket(ws: WebSocket) -> None:
        await ws.accept(subprotocol="graphql-transport-ws")
        try:
            await ws.receive_text()  # connection_init
            await ws.send_text('{"type":"connection_ack"}')
            await ws.receive_text()  # subscribe
            await ws.send_text(frame)
            CLIENTS.add(ws)
            while True:
                await ws.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            CLIENTS.discard(ws)

    async def healthz(_request: Any) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/healthz", healthz), WebSocketRoute("/graphql", socket)],
                     lifespan=lifespan)


if __name__ == "__main__":
    port, dsn, frame = sys.argv[1:4]
    uvicorn.run(_app(dsn, frame), host="127.0.0.1", port=int(port), log_level="warning",
                ws="auto")
