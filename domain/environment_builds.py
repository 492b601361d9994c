"""An environment's build state, written and announced together.

Every change of `build_status` / `build_error` / `build_log` goes through here, in one
transaction with an event on the environment's stream (`environment:<id>`), so the
`environmentUpdated` subscription sees a build start, its installer output while it runs
(`log` events, at most one per `PROGRESS_SECONDS`), and how it ended. Events carry the
status and the log's tail, never more than `TAIL_BYTES` of it; the whole (bounded) log stays
in the row. A local build passes the `packages` it installs: its writes land only while the
environment still has them, so a build superseded by a save never speaks for the new content.
"""

from __future__ import annotations

import json
from typing import Any

from db.engine import engine
from domain._sql import fetch_one
from domain.events import NewEvent, append
from domain.rows import EnvironmentRow

TAIL_BYTES = 4096
PROGRESS_SECONDS = 0.5  # installer output is written (and announced) at most this often

_SET = """
UPDATE environment SET build_status = $2, build_error = $3,
       build_log = COALESCE($4, build_log), built_image = COALESCE($5, built_image),
       updated_at = now()
 WHERE id = $1 AND ($6::jsonb IS NULL OR COALESCE(python -> 'packages', '[]') = $6::jsonb)
RETURNING id, organization, build_status, build_error, build_log
"""
_LOG = """
UPDATE environment SET build_log = $2, updated_at = now()
 WHERE id = $1 AND build_status = 'building'
   AND ($3::jsonb IS NULL OR COALESCE(python -> 'packages', '[]') = $3::jsonb)
RETURNING id, organization, build_status, build_error, build_log
"""


def log_tail(log: str | None) -> str | None:
    """The last TAIL_BYTES of a build log (whole lines where it can)."""
    if log is None:
        return None
    data = log.encode()
    if len(data) <= TAIL_BYTES:
        return log
    tail = data[-TAIL_BYTES:].decode(errors="replace")
    cut = tail.find("\n")
    return tail[cut + 1:] if 0 <= cut < len(tail) - 1 else tail


async def set_build_state(
    environment_id: int, status: str, error: str | None, *, log: str | None = None,
    image: str | None = None, packages: list[str] | None = None,
) -> None:
    """Move the build to `status` (with its error; `log` / `image` when given); with
    `packages`, only if the environment's python packages are still those."""
    await _write(_SET, "build", environment_id, status, error, log, image, _json(packages))


async def record_build_log(
    environment_id: int, log: str, packages: list[str] | None = None
) -> None:
    """The installer's output so far, while the build is still `building` (of `packages`,
    when given)."""
    await _write(_LOG, "log", environment_id, log, _json(packages))


def _json(packages: list[str] | None) -> str | None:
    return None if packages is None else json.dumps(packages)


async def announce_environment_deleted(environment_id: int) -> None:
    """Inside the deleting transaction, before the row goes (its `event_seq` is the stream's
    cursor): the last event of the environment's stream."""
    await append("environment", environment_id, [NewEvent("deleted", {"deleted": True})])


async def environment_row(environment_id: int, organization_id: int) -> EnvironmentRow | None:
    """The environment, if it is the organization's."""
    row = await fetch_one("SELECT * FROM environment WHERE id = $1 AND organization = $2",
                          environment_id, organization_id)
    return None if row is None else EnvironmentRow.from_record(row)


async def _write(sql: str, kind: str, *args: Any) -> None:  # Any: statement parameters
    async with engine().transaction():
        row = await fetch_one(sql, *args)
        if row is None:  # deleted meanwhile, or (log) the build already ended
            return
        await append("environment", int(row["id"]), [NewEvent(
            kind, {"buildStatus": row["build_status"], "buildError": row["build_error"],
                   "logTail": log_tail(row["build_log"])})])
