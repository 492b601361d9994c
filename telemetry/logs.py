"""Structured logs: one JSON object per line with time, level, logger, message and the ids in
context (organization, workflow, execution, span, sync run, request id), or, with
FLOWPLANE_LOG_FORMAT=text (what `flowplane dev` uses), the readable lines of before.

The ids come from a context variable: `log_context(execution=12)` around a piece of work, or
`bind(...)` at the start of a task of its own (a task copies the context it was created in,
so what it binds stays its own). Only ids and names are ever put there, never a value a node
or a secret resolved to.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal

LogFormat = Literal["json", "text"]
TEXT_FORMAT = "%(asctime)s %(name)s %(message)s"
CONTEXT_KEYS = ("organization", "workflow", "execution", "span", "node", "sync_run",
                "request_id")
_context: ContextVar[dict[str, str | int] | None] = ContextVar("flowplane_log_context",
                                                               default=None)


def _ids() -> dict[str, str | int]:
    return _context.get() or {}


def _merged(ids: dict[str, str | int | None]) -> dict[str, str | int]:
    unknown = set(ids) - set(CONTEXT_KEYS)
    if unknown:
        raise ValueError(f"not log context keys: {sorted(unknown)}")
    return {**_ids(), **{k: v for k, v in ids.items() if v is not None}}


@contextmanager
def log_context(**ids: str | int | None) -> Iterator[None]:
    """Add ids to every log line written inside the block (None values are left out)."""
    token = _context.set(_merged(ids))
    try:
        yield
    finally:
        _context.reset(token)


def bind(**ids: str | int | None) -> None:
    """Add ids for the rest of the current task (or thread)."""
    _context.set(_merged(ids))


def current_context() -> dict[str, str | int]:
    return dict(_ids())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_ids(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _TextFormatter(logging.Formatter):
    """Today's readable line, with the context's ids appended in brackets."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = _ids()
        if not ids:
            return line
        return f"{line} [{' '.join(f'{k}={v}' for k, v in ids.items())}]"


def configure_logging(fmt: LogFormat, level: int = logging.INFO) -> None:
    """One handler on the root logger, to stderr, in `fmt`; replaces handlers set before
    (uvicorn's own are not used: its loggers propagate to this one)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else _TextFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
