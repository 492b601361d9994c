"""The websocket clients of `bench/fanout.py`, in a process of their own so that they do not
share the server's event loop or the measuring process's.

`python -m bench._subscribers URL N ROUNDS QUERY VARIABLES PAYLOAD` opens N
graphql-transport-ws connections, subscribes each with QUERY and VARIABLES (JSON), reads the
first item (the subscription is live), prints `ready`, then for each of ROUNDS items prints one
line: the JSON list of the times (`time.monotonic()`, the same clock in every process of
the machine) at which each client received it. Clients only check the frame is a `next`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from websockets.asyncio.client import ClientConnection, connect


async def _client(url: str, payload: dict[str, str], query: str, variables: object
                  ) -> ClientConnection:
    ws = await connect(url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                       compression=None, open_timeout=120, max_queue=None)
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    await ws.recv()
    await ws.send(json.dumps({"id": "1", "type": "subscribe",
                              "payload": {"query": query, "variables": variables}}))
    await ws.recv()  # the first item: subscribed
    return ws


async def _receive(ws: ClientConnection, rounds: int, times: list[list[float]],
                   done: asyncio.Queue[int]) -> None:
    for k in range(rounds):
        frame = await ws.recv()
        received = time.monotonic()
        if '"next"' not in str(frame):
            raise RuntimeError(f"not a next message: {frame!r}")
        times[k].append(received)
        done.put_nowait(k)


async def main(url: str, n: int, rounds: int, query: str, variables: object,
               payload: dict[str, str]) -> None:
    clients: list[ClientConnection] = []
    for start in range(0, n, 50):  # connect in waves: the accept backlog is finite
        clients += await asyncio.gather(*(_client(url, payload, query, variables)
                                          for _ in range(start, min(n, start + 50))))
    times: list[list[float]] = [[] for _ in range(rounds)]
    done: asyncio.Queue[int] = asyncio.Queue()
    readers = [asyncio.create_task(_receive(ws, rounds, times, done)) for ws in clients]
    print("ready", flush=True)
    for k in range(rounds):
        while len(times[k]) < n:
            await done.get()
        print(json.dumps(times[k]), flush=True)
    await asyncio.gather(*readers)
    await asyncio.gather(*(ws.close() for ws in clients))


if __name__ == "__main__":
    url, n, rounds, query, variables, payload = sys.argv[1:7]
    asyncio.run(main(url, int(n), int(rounds), query, json.loads(variables),
                     json.loads(payload)))
