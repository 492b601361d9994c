"""The event log: every status change, span and log line is appended here in the writer's
transaction and announced with NOTIFY, which PostgreSQL delivers only on commit.

Cursors are per stream (`execution:<id>`, `workflow:<id>`, `workflow:<id>:executions`,
`organization:<id>:executions`, `environment:<id>`). The next
cursor of a stream is taken by updating its `stream_cursor` row, which stays locked until the
transaction ends: a second writer of the same stream waits, so a cursor never becomes visible
before a smaller one of its stream has committed or aborted (sequence ids could commit out of
order; these cannot). Subscribers read `event` rows with `seq > after` of their stream.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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


def environment_stream(environment_id: int) -> str:
    """An environment's build: status changes and installer output as it is written."""
    return f"environment:{environment_id}"


def organization_executions_stream(organization_id: int) -> str:
    """New executions and status changes of every workflow of the organization."""
    return f"organization:{organization_id}:executions"


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


# Added by the engine area: several events of one execution in one statement (an execution's
# status change and spans are written together; one round trip instead of one per event).
_APPEND_MANY = """
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $8::int[])
        WITH ORDINALITY AS t(stream, kind, payload, workflow, ord)
), counts AS (
    SELECT stream, count(*)::bigint AS n FROM input GROUP BY stream
), cursor AS (
    INSERT INTO stream_cursor (stream, seq) SELECT stream, n FROM counts ORDER BY stream
    ON CONFLICT (stream) DO UPDATE SET seq = stream_cursor.seq + EXCLUDED.seq
    RETURNING stream, seq
), numbered AS (
    SELECT i.stream, i.kind, i.payload, i.workflow, i.ord,
           c.seq - count(*) OVER (PARTITION BY i.stream)
               + row_number() OVER (PARTITION BY i.stream ORDER BY i.ord) AS seq
    FROM input i JOIN cursor c ON c.stream = i.stream
), event AS (
    INSERT INTO event (organization, workflow, execution, seq, stream, kind, payload, created_at)
    SELECT $4, coalesce(workflow, $5), $6, seq, stream, kind, payload::jsonb, now()
    FROM numbered ORDER BY ord
    RETURNING id, seq, stream
)
SELECT id, seq, stream, pg_notify($7, stream || ':' || seq || ':' || id) AS notified
FROM event ORDER BY id
"""


async def append_events(
    events: list[tuple[str, str, dict[str, Any]]],
    *,
    organization_id: int,
    workflow_id: int | None = None,
    execution_id: int | None = None,
    workflow_ids: Sequence[int] = (),
) -> list[EventRef]:
    """Append `(stream, kind, payload)` events in order, as `append_event` would one by one,
    in a single statement. Call inside the transaction that makes the change. `workflow_ids`
    (one per event) names each event's workflow, for events of several workflows at once."""
    if not events:
        return []
    db = engine()
    transaction = db.current_transaction.get()
    assert transaction is not None, "append_events must run inside a transaction"
    rows = await transaction.connection.fetch(
        _APPEND_MANY,
        [stream for stream, _, _ in events],
        [kind for _, kind, _ in events],
        [json.dumps(payload, default=str) for _, _, payload in events],
        organization_id, workflow_id, execution_id, CHANNEL, list(workflow_ids),
    )
    return [EventRef(stream=r["stream"], seq=int(r["seq"]), id=int(r["id"])) for r in rows]
