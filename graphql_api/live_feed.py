"""Which events of a feed of executions (`executionsUpdated`) a subscriber sees: those of
workflows it may read, matching its filter.

The organization's feed spans every workflow, so it is not guarded per workflow as the
streams of one workflow are (graphql_api.reauth): whether the subscriber may read a workflow
is asked once per workflow and remembered for `READ_CHECK_SECONDS`, so a share revoked while
the feed is open stops its events within that time. Identity changes (token revoked, removed
from the organization, a new role) are the connection's, applied by graphql_api.reauth."""

from __future__ import annotations

import time
from collections.abc import Callable

from domain import reads, workflow_reads
from domain.access import Actor
from domain.event_log import LoggedEvent
from domain.rows import ExecutionRow
from graphql_api.live_types import EXECUTIONS

READ_CHECK_SECONDS = 5.0


class Feed:
    def __init__(self, actor: Callable[[], Actor | None], where: reads.ExecutionFilter) -> None:
        # The connection's actor as it is now: re-authorisation updates its role.
        self.actor = actor
        self.where = where
        self._readable: dict[int, tuple[bool, float]] = {}

    async def shows(self, event: LoggedEvent) -> bool:
        if event.workflow_id is None or not await self._may_read(event.workflow_id):
            return False
        where = self.where
        if where.status is not None and event.payload.get("status") != where.status:
            return False
        if (where.trigger_type, where.triggered_by, where.started_after,
                where.started_before) == (None, None, None, None):
            return True
        row = await EXECUTIONS.get(int(event.payload.get("executionId") or 0),
                                   (event.id, event.created_at))
        return row is not None and _matches(row, where)

    async def _may_read(self, workflow_id: int) -> bool:
        actor = self.actor()
        if actor is None:
            return False
        if actor.is_admin:
            return True
        known = self._readable.get(workflow_id)
        now = time.monotonic()
        if known is None or known[1] < now:
            found = await workflow_reads.readable_workflows(actor, [workflow_id])
            known = (workflow_id in found, now + READ_CHECK_SECONDS)
            self._readable[workflow_id] = known
        return known[0]


def _matches(row: ExecutionRow, where: reads.ExecutionFilter) -> bool:
    """The execution row matches the filter's trigger, user and start-time fields."""
    started = row.started_at
    after, before = where.started_after, where.started_before
    return (
        (where.trigger_type is None or row.trigger_type == where.trigger_type)
        and (where.triggered_by is None or row.triggered_by == where.triggered_by)
        and (after is None or (started is not None and started >= after))
        and (before is None or (started is not None and started < before))
    )
