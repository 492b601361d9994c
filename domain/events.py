"""The event log: every status change, span and log line is appended here in the writer's
transaction and announced with NOTIFY, which PostgreSQL delivers only on commit.

Cursors are per stream (`execution:<id>`, `workflow:<id>`, `workflow:<id>:executions`). The next
cursor of a stream is taken by updating its `stream_cursor` row, which stays locked until the
transaction ends: a second writer of the same stream waits, so a cursor never becomes visible
before a smaller one of its stream has committed or aborted (sequence ids could commit out of
order; these cannot). Subscribers read `event` rows with `seq > after` of their stream.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from db.engine import engine

CHANNEL = "flowplane_events"


@dataclass(frozen=True)
class EventRef:
    stream: str
    seq: int
    id: int


def execution_stream(execution_id: int) -> str:
    return f"execution:{execution_id}"


def workflow_stream(workflow_id: int) -> str:
    return f"workflow:{workflow_id}"


def workflow_executions_stream(workflow_id: int) -> str:
    return f"workflow:{workflow_id}:executions"


_APPEND = """
WITH cursor AS (
    INSERT INTO stream_cursor (stream, seq) VALUES ({}, 1)
    ON CONFLICT (stream) DO UPDATE SET seq = stream_cursor.seq + 1
    RETURNING seq
), event AS (
    INSERT INTO event (organization, workflow, execution, seq, stream, kind, payload, created_at)
    SELECT {}, {}, {}, cursor.seq, {}, {}, {}::jsonb, now() FROM cursor
    RETURNING id, seq
)
SELECT id, seq, pg_notify({}, {} || ':' || seq || ':' || id) AS notified FROM event
"""


async def append_event(
    *,
    organization_id: int,
    stream: str,
    kind: str,
    payload: dict[str, Any],
    workflow_id: int | None = None,
    execution_id: int | None = None,
) -> EventRef:
    """Append an event to `stream` and announce it on commit. Call inside the transaction that
    makes the change, so the event exists if and only if the change does."""
    rows = await engine().run_querystring(
        QueryString(
            _APPEND,
            stream,
            organization_id,
            workflow_id,
            execution_id,
            stream,
            kind,
            json.dumps(payload, default=str),
            CHANNEL,
            stream,
        )
    )
    row = rows[0]
    return EventRef(stream=stream, seq=int(row["seq"]), id=int(row["id"]))


def parse_notification(payload: str) -> EventRef:
    """The inverse of the NOTIFY payload written by `append_event` (`stream:seq:id`)."""
    stream, seq, event_id = payload.rsplit(":", 2)
    return EventRef(stream=stream, seq=int(seq), id=int(event_id))
