"""A graphql-transport-ws client for tests: connect with the connection_init payload, start
subscriptions, read their messages by id."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from graphql_api.live_types import event_cursor
from graphql_api.types.scalars import decode_cursor

PROTOCOL = "graphql-transport-ws"


class GraphQLWs:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.by_id: defaultdict[str, asyncio.Queue[dict[str, Any]]] = defaultdict(asyncio.Queue)
        self.reader: asyncio.Task[None] | None = None

    async def init(self, payload: dict[str, Any]) -> dict[str, Any]:
        await self.ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        return dict(json.loads(await asyncio.wait_for(self.ws.recv(), 10)))

    def start_reading(self) -> None:
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            self.by_id[message.get("id", "")].put_nowait(message)

    async def subscribe(self, op_id: str, query: str, **variables: Any) -> None:
        await self.ws.send(json.dumps({"id": op_id, "type": "subscribe",
                                       "payload": {"query": query, "variables": variables}}))

    async def message(self, op_id: str, wait: float = 15) -> dict[str, Any]:
        return await asyncio.wait_for(self.by_id[op_id].get(), wait)

    async def items(self, op_id: str, n: int, wait: float = 15) -> list[dict[str, Any]]:
        """The next `n` items of a subscription (the `data` of its `next` messages)."""
        got: list[dict[str, Any]] = []
        while len(got) < n:
            message = await self.message(op_id, wait)
            assert message["type"] == "next", message
            got.append(next(iter(message["payload"]["data"].values())))
        return got

    async def until_complete(self, op_id: str, wait: float = 15) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        while (message := await self.message(op_id, wait))["type"] != "complete":
            assert message["type"] == "next", message
            got.append(next(iter(message["payload"]["data"].values())))
        return got

    async def init_raw(self, payload: dict[str, Any]) -> None:
        await self.ws.send(json.dumps({"type": "connection_init", "payload": payload}))

    async def closed(self, wait: float = 15) -> tuple[int | None, str | None]:
        """Wait until the server closes the socket; its close code and reason."""
        await asyncio.wait_for(self.ws.wait_closed(), wait)
        return self.ws.close_code, self.ws.close_reason

    async def error(self, op_id: str, wait: float = 15) -> list[dict[str, Any]]:
        """Skip the subscription's `next` messages until its `error`; the error's payload."""
        while (message := await self.message(op_id, wait))["type"] != "error":
            assert message["type"] == "next", message
        payload: list[dict[str, Any]] = message["payload"]
        return payload


def position(cursor: str) -> int:
    """Where an event cursor points in an execution's or workflow's stream (white-box:
    cursors are opaque to clients, `<stream>@<seq>` in URL-safe base64)."""
    return int(decode_cursor(cursor).rpartition("@")[2])


def feed_position(cursor: str) -> tuple[int, int]:
    """Where an event cursor points in a feed (`<stream>@<ftx>.<id>`, domain.event_log)."""
    tx, _, event = decode_cursor(cursor).rpartition("@")[2].partition(".")
    return int(tx), int(event)


def start_of(stream: str) -> str:
    """The cursor before the first event of a stream (replays all of it)."""
    return str(event_cursor(stream, (0, 0)))


def auth(token: str, org: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-Organization-ID": str(org["id"])}


@contextlib.asynccontextmanager
async def session(url: str, payload: dict[str, Any] | None = None,
                  read: bool = True, **options: Any) -> AsyncIterator[GraphQLWs]:
    """An acknowledged connection (with `payload` as connection_init) reading in background."""
    ws_url = url.replace("http://", "ws://") + "/graphql"
    async with connect(ws_url, subprotocols=[PROTOCOL], **options) as ws:  # type: ignore[list-item]
        client = GraphQLWs(ws)
        if payload is not None:
            ack = await client.init(payload)
            assert ack["type"] == "connection_ack", ack
        if read:
            client.start_reading()
        try:
            yield client
        finally:
            if client.reader is not None:
                client.reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await client.reader
