"""The event log: every status change, span, log line and workflow change is appended here in
the writer's transaction and announced with NOTIFY, which PostgreSQL delivers only on commit.

An event belongs to its entity's stream, `execution:<id>` or `workflow:<id>`, whose cursor
`seq` is the entity row's `event_seq`, counted up by the append itself. The writers of one
execution already hold its row (`domain.recording` locks it first), so taking the cursor
makes no writer wait that would not have waited anyway, and no row is shared between
executions: the workers of one workflow never queue on each other. A stream's cursors become
visible strictly in order (a smaller one has committed or aborted first, and an abort hands
its cursors back).

The feeds `workflow:<id>:executions` and `organization:<id>:executions` have no rows of their
own: they are the execution events marked `feed` (creations and status changes), read in
the order of the global position (`tx`, `id`): the writing transaction's id, then the event's.
A reader takes only events of transactions below the watermark
(`pg_snapshot_xmin(pg_current_snapshot())`, domain.event_log): every transaction below it has
ended, so nothing can still appear before a position once it was read. An execution's writers
take their transaction id with the row lock (the lock is a record's first write), so a feed
shows one execution's changes in the order they committed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from db.engine import engine

CHANNEL = "flowplane_events"
Owner = Literal["execution", "workflow"]


@dataclass(frozen=True)
class NewEvent:
    kind: str
    payload: dict[str, Any]  # Any: JSON written for subscribers.
    feed: bool = False  # also on the execution's workflow and organization feeds


@dataclass(frozen=True)
class EventRef:
    """What a NOTIFY names: an event of `stream`, its cursor there, its id and transaction,
    and for a feed event the execution's workflow and organization."""

    stream: str
    seq: int
    id: int
    tx: int
    feeds: tuple[str, ...] = ()


def execution_stream(execution_id: int) -> str:
    return f"execution:{execution_id}"


def workflow_stream(workflow_id: int) -> str:
    return f"workflow:{workflow_id}"


def workflow_executions_stream(workflow_id: int) -> str:
    """New executions and status changes of the workflow (a feed)."""
    return f"workflow:{workflow_id}:executions"


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


# One statement: count the owner's cursor up, insert the events after it, announce each.
_APPEND = """
WITH owner AS (
    UPDATE {table} SET event_seq = event_seq + cardinality($2::text[]) WHERE id = $1
    RETURNING organization, {workflow} AS workflow, {execution} AS execution, event_seq
), input AS (
    SELECT * FROM unnest($2::text[], $3::text[], $4::bool[]) WITH ORDINALITY
        AS t(kind, payload, feed, ord)
), event AS (
    INSERT INTO event (organization, workflow, execution, seq, stream, kind, payload, feed,
                       created_at)
    SELECT o.organization, o.workflow, o.execution,
           o.event_seq - cardinality($2::text[]) + i.ord, $5, i.kind, i.payload::jsonb, i.feed,
           now()
    FROM owner o CROSS JOIN input i ORDER BY i.ord
    RETURNING id, seq, tx, feed, workflow, organization
)
SELECT id, seq, tx, pg_notify($6, concat_ws(' ', $5, seq, id, tx,
    CASE WHEN feed THEN workflow || ' ' || organization END)) AS notified
FROM event ORDER BY seq
"""
_OWNERS = {
    "execution": _APPEND.format(table="execution", workflow="workflow", execution="id"),
    "workflow": _APPEND.format(table="workflow", workflow="CASE WHEN $7 THEN id END",
                               execution="NULL::integer"),
}


async def append(owner: Owner, owner_id: int, events: Sequence[NewEvent], *,
                 linked: bool = True) -> list[EventRef]:
    """Append `events`, in order, to the stream of the execution or workflow `owner_id`, and
    announce them on commit: the one way events are written. Call inside the transaction that
    makes the change, so the events exist if and only if the change does. `linked=False`
    leaves a workflow event unattached to its row (the event that announces its deletion
    must outlive the row's cascade)."""
    if not events:
        return []
    stream = execution_stream(owner_id) if owner == "execution" else workflow_stream(owner_id)
    args: list[Any] = [owner_id, [e.kind for e in events],
                       [json.dumps(e.payload, default=str) for e in events],
                       [e.feed for e in events], stream, CHANNEL]
    if owner == "workflow":
        args.append(linked)
    async with engine().transaction():  # the caller's, when it has one
        transaction = engine().current_transaction.get()
        assert transaction is not None
        rows = await transaction.connection.fetch(_OWNERS[owner], *args)
    if not rows:
        raise LookupError(f"{owner} {owner_id} does not exist: no stream to append to")
    return [EventRef(stream, int(r["seq"]), int(r["id"]), int(r["tx"])) for r in rows]


def parse_notification(payload: str) -> EventRef:
    """The inverse of the NOTIFY payload written by `append`:
    `stream seq id tx [workflow organization]`."""
    parts = payload.split(" ")
    if len(parts) not in (4, 6):
        raise ValueError(f"not an event announcement: {payload!r}")
    stream, seq, event_id, tx = parts[0], int(parts[1]), int(parts[2]), int(parts[3])
    feeds: tuple[str, ...] = ()
    if len(parts) == 6:
        feeds = (workflow_executions_stream(int(parts[4])),
                 organization_executions_stream(int(parts[5])))
    return EventRef(stream, seq, event_id, tx, feeds)
