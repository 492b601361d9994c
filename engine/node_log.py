"""A node's log lines, for every node type: capped per node try, and written while the node
runs when it has a span of its own.

Lines are written in batches (every FLUSH_SECONDS, or sooner once FLUSH_LINES are waiting),
so a chatty node costs a few commits a second, not one per line; whatever is left goes with
the write that closes the node's span. Past MAX_LINES lines or MAX_BYTES bytes, one marker
line says the log was truncated and later lines are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

Line = tuple[str, str]  # (level, message)
Writer = Callable[[list[Line]], Awaitable[None]]
MAX_LINES = 1000
MAX_BYTES = 256 * 1024
FLUSH_SECONDS = 0.2
FLUSH_LINES = 200
TRUNCATED = (f"[log truncated: this node's lines beyond {MAX_LINES} lines or {MAX_BYTES} bytes "
             "are not kept]")
log = logging.getLogger(__name__)


class NodeLog:
    def __init__(self) -> None:
        self._pending: list[Line] = []
        self._lines = self._bytes = 0
        self.truncated = False
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def add(self, level: str, message: str) -> None:
        if self.truncated:
            return
        size = len(message.encode(errors="replace"))
        if self._lines + 1 > MAX_LINES or self._bytes + size > MAX_BYTES:
            self.truncated = True
            self._pending.append(("warning", TRUNCATED))
        else:
            self._lines, self._bytes = self._lines + 1, self._bytes + size
            self._pending.append((level, message))
        if len(self._pending) >= FLUSH_LINES:
            self._wake.set()

    def take(self) -> list[Line]:
        pending, self._pending = self._pending, []
        return pending

    def stream(self, write: Writer) -> None:
        """Write lines in batches from now on, until `stop`."""
        self._task = asyncio.create_task(self._flush(write))

    async def _flush(self, write: Writer) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_SECONDS)
            self._wake.clear()
            batch = self.take()
            if not batch:
                continue
            try:
                await write(batch)
            except Exception as error:  # the closing write finds the cause again (a cancel…)
                log.warning("streaming node log lines failed: %s", error)
                self._pending[:0] = batch
                return

    async def stop(self) -> list[Line]:
        """Stop streaming (after the write in flight) and return the lines not yet written."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
        return self.take()

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
