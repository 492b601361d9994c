"""The event log: every status change, span, log line and workflow change is appended here in
the writer's transaction and announced with NOTIFY, which PostgreSQL delivers only on commit.

An event belongs to its entity's stream, `execution:<id>`, `workflow:<id>` or
`environment:<id>`, whose cursor `seq` is the entity row's `event_seq`, counted up by the
append itself. The writers of one execution already hold its row (`domain.recording` locks it
first), so taking the cursor makes no writer wait that would not have waited anyway, and no
row is shared between executions: the workers of one workflow never queue on each other. A
stream's cursors become visible strictly in order (a smaller one has committed or aborted
first, and an abort hands its cursors back).

The feeds `workflow:<id>:executions` and `organization:<id>:executions` have no rows of their
own: they are the execution events marked `feed` (creations and status changes), read in
the order of the global position (`ftx`, `id`). A reader takes only events whose `ftx` is below
the watermark (`pg_snapshot_xmin(pg_current_snapshot())`, domain.event_log).

`ftx` is greatest(the writer's transaction id, the `ftx` of the execution's previous event),
set by the database (triggers, db.migrations), never by the writer. The transaction id alone
is not enough: PostgreSQL gives a transaction its id before it waits for a row lock, and
waiters wake in no fixed order, so a writer with a smaller id can write an execution's next
event after one with a larger id committed. With `ftx`:
- one execution's events take increasing positions: its next writer holds its row, so the
  previous one committed, and its `ftx` is at least that one's and its `id` is larger;
- nothing appears before a position once it was read: the writer's own id is at most `ftx`,
  so `ftx` below the watermark means the writer has ended; and an event not yet committed
  when a read took its watermark has its writer's id, hence its `ftx`, at or above it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from db.engine import engine

CHANNEL = "flowplane_events"
Owner = Literal["execution", "workflow", "environment"]


@dataclass(frozen=True)
class NewEvent:
    kind: str
    payload: dict[str, Any]  # Any: JSON written for subscribers.
    feed: bool = False  # also on the execution's workflow and organization feeds


@dataclass(frozen=True)
class EventRef:
    """What a NOTIFY names: an event of `stream`, its cursor there, its id and feed key
    (`ftx`), and for a feed event the execution's workflow and organization."""

    stream: str
    seq: int
    id: int
    ftx: int
    feeds: tuple[str, ...] = ()


def execution_stream(execution_id: int) -> str:
    return f"execution:{execution_id}"


def workflow_stream(workflow_id: int) -> str:
    return f"workflow:{workflow_id}"


def workflow_executions_stream(workflow_id: int) -> str:
    """New executions and status changes of the workflow (a feed)."""
    return f"workflow:{workflow_id}:executions"


def environment_stream(environment_id: int) -> str:
    """An environment's build: status changes and installer output as it is written."""
    return f"environment:{environment_id}"


def organization_executions_stream(organization_id: int) -> str:
    """New executions and status changes of every workflow of the organization (a feed)."""
    return f"organization:{organization_id}:executions"


_FEED = re.compile(r"(workflow|organization):([0-9]{1,9}):executions")


def feed_of(stream: str) -> tuple[Literal["workflow", "organization"], int] | None:
    """Whose feed `stream` is (the column it selects on and the id), None for an entity's."""
    match = _FEED.fullmatch(stream)
    if match is None:
        return None
    return ("workflow" if match[1] == "workflow" else "organization"), int(match[2])


# One statement: count each owner's cursor up by its number of events, insert the events
# after it, announce each. Events of several owners (a sync batch's workflows) take one round
# trip; the caller holds those rows already (it wrote them), so no lock order is at stake here.
_APPEND = """
WITH input AS (
    SELECT t.*, row_number() OVER (PARTITION BY t.owner ORDER BY t.ord) AS k,
           count(*) OVER (PARTITION BY t.owner) AS n
    FROM unnest($1::int[], $2::text[], $3::text[], $4::bool[]) WITH ORDINALITY
        AS t(owner, kind, payload, feed, ord)
), owner AS (
    UPDATE {table} t SET event_seq = t.event_seq + c.n
    FROM (SELECT DISTINCT owner, n FROM input) c WHERE t.id = c.owner
    RETURNING t.id, t.organization, {workflow} AS workflow, {execution} AS execution,
              t.event_seq
), event AS (
    INSERT INTO event (organization, workflow, execution, seq, stream, kind, payload, feed,
                       created_at)
    SELECT o.organization, o.workflow, o.execution, o.event_seq - i.n + i.k,
           '{table}:' || o.id, i.kind, i.payload::jsonb, i.feed, now()
    FROM input i JOIN owner o ON o.id = i.owner ORDER BY i.ord
    RETURNING id, seq, ftx, stream, feed, workflow, organization
)
SELECT id, seq, ftx, stream, pg_notify($5, concat_ws(' ', stream, seq, id, ftx,
    CASE WHEN feed THEN workflow || ' ' || organization END)) AS notified
FROM event ORDER BY id
"""
_OWNERS = {
    "execution": _APPEND.format(table="execution", workflow="t.workflow", execution="t.id"),
    "workflow": _APPEND.format(table="workflow", workflow="CASE WHEN $6 THEN t.id END",
                               execution="NULL::integer"),
    "environment": _APPEND.format(table="environment", workflow="NULL::integer",
                                  execution="NULL::integer"),
}


async def append(owner: Owner, owner_id: int, events: Sequence[NewEvent], *,
                 linked: bool = True) -> list[EventRef]:
    """Append `events`, in order, to the stream of the execution, workflow or environment
    `owner_id`, and announce them on commit: the one way events are written (`append_each`
    for several owners at once). Call inside the transaction that makes the change, so the
    events exist if and only if the change does. `linked=False` leaves a workflow event
    unattached to its row (the event that announces its deletion must outlive the row's
    cascade)."""
    return await append_each(owner, [(owner_id, event) for event in events], linked=linked)


async def append_each(owner: Owner, events: Sequence[tuple[int, NewEvent]], *,
                      linked: bool = True) -> list[EventRef]:
    """Append `(owner_id, event)` pairs, each to its owner's stream, in one statement; the
    events of one owner in the order given. As `append` otherwise."""
    if not events:
        return []
    args: list[Any] = [[owner_id for owner_id, _ in events], [e.kind for _, e in events],
                       [json.dumps(e.payload, default=str) for _, e in events],
                       [e.feed for _, e in events], CHANNEL]
    if owner == "workflow":
        args.append(linked)
    async with engine().transaction():  # the caller's, when it has one
        transaction = engine().current_transaction.get()
        assert transaction is not None
        rows = await transaction.connection.fetch(_OWNERS[owner], *args)
    missing = {owner_id for owner_id, _ in events} - {_owner_id(r["stream"]) for r in rows}
    if missing:
        raise LookupError(f"{owner} {min(missing)} does not exist: no stream to append to")
    return [EventRef(str(r["stream"]), int(r["seq"]), int(r["id"]), int(r["ftx"])) for r in rows]


def _owner_id(stream: str) -> int:
    return int(stream.rpartition(":")[2])


def parse_notification(payload: str) -> EventRef:
    """The inverse of the NOTIFY payload written by `append`:
    `stream seq id ftx [workflow organization]`."""
    parts = payload.split(" ")
    if len(parts) not in (4, 6):
        raise ValueError(f"not an event announcement: {payload!r}")
    stream, seq, event_id, ftx = parts[0], int(parts[1]), int(parts[2]), int(parts[3])
    feeds: tuple[str, ...] = ()
    if len(parts) == 6:
        feeds = (workflow_executions_stream(int(parts[4])),
                 organization_executions_stream(int(parts[5])))
    return EventRef(stream, seq, event_id, ftx, feeds)
