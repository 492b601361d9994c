"""Live re-authorisation: open websockets lose what their caller lost, as soon as the change
commits.

The broker's listening connection hands every `domain.access_changes` announcement to this
process's `AccessWatch` (no polling):

- a revoked token closes the connections opened with it (4102);
- a membership change re-reads the user's role: removed closes the connection (4103), a new
  role re-checks each of its subscriptions;
- a workflow whose readers changed re-checks the subscriptions following it.

A subscription that may no longer read its workflow ends alone with an `error` message
(`ACCESS_REVOKED`); the socket's other subscriptions go on. Announcements only *trigger*
checks: a subscription marked stale re-reads access before it delivers its next event (so an
event committed after the change never slips out while the check runs), and the streams of a
workflow itself re-check before every event. Token expiry is a timer on the connection
(`LiveConnection.expire_at`). After the listener reconnects (announcements may have been
missed) everything is re-checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, TypeVar

from graphql import GraphQLError

from domain.access import actor_for
from domain.access_changes import AccessChange, parse_access_change
from domain.tokens import token_status
from domain.workflow_reads import still_readable
from graphql_api.close_codes import CloseCode
from graphql_api.live import LiveConnection, live_connection, request_of
from graphql_api.ws_protocol import current_operation, end_with_error

T = TypeVar("T")
log = logging.getLogger(__name__)


def access_revoked() -> GraphQLError:
    return GraphQLError(
        "you no longer have access to the workflow this subscription follows (made private, "
        "no longer shared with you, or given to another owner): the subscription has ended",
        extensions={"code": "ACCESS_REVOKED"},
    )


class Guard:
    """One subscription following one workflow on one connection."""

    def __init__(self, connection: LiveConnection, workflow_id: int) -> None:
        self.connection = connection
        self.workflow_id = workflow_id
        self.operation = current_operation()
        self.stale = False
        self.ended = False

    async def check(self) -> bool:
        """Whether the subscription may go on; ends it (with an `error`) when it may not."""
        if self.ended or self.connection.closing:
            return False
        self.stale = False
        actor = self.connection.actor
        readable = actor is not None and await still_readable(actor, self.workflow_id) is not False
        if not readable:  # a deleted workflow (None) ends its streams by itself
            await self._end()
        return readable and not self.connection.closing

    async def _end(self) -> None:
        if self.ended:
            return
        self.ended = True
        if self.operation is None:  # not run by the websocket handler: end the stream alone
            raise access_revoked()
        await end_with_error(self.operation, access_revoked())


class AccessWatch:
    """The open connections and guarded subscriptions of this process (see module doc)."""

    def __init__(self) -> None:
        self._by_token: defaultdict[int, set[LiveConnection]] = defaultdict(set)
        self._by_member: defaultdict[tuple[int, int], set[LiveConnection]] = defaultdict(set)
        self._guards: defaultdict[int, set[Guard]] = defaultdict(set)
        self._by_connection: defaultdict[LiveConnection, set[Guard]] = defaultdict(set)
        self._tasks: set[asyncio.Task[None]] = set()

    # -- registration ----------------------------------------------------------------------
    def add(self, connection: LiveConnection) -> None:
        principal = connection.principal
        assert principal is not None  # added once accepted
        self._by_token[principal.token_id].add(connection)
        self._by_member[_member(connection)].add(connection)

    async def admit(self, connection: LiveConnection) -> CloseCode | None:
        """Register an accepted connection, then confirm its identity once more: a change
        committed between its authentication and its registration went unheard. The close
        code to refuse it with, or None."""
        self.add(connection)
        return await _identity_lost(connection)

    def forget(self, connection: LiveConnection) -> None:
        principal = connection.principal
        if principal is None:
            return
        _discard(self._by_token, principal.token_id, connection)
        _discard(self._by_member, _member(connection), connection)
        self._by_connection.pop(connection, None)

    @contextlib.contextmanager
    def guard(self, connection: LiveConnection, workflow_id: int) -> Iterator[Guard]:
        guard = Guard(connection, workflow_id)
        self._guards[workflow_id].add(guard)
        self._by_connection[connection].add(guard)
        try:
            yield guard
        finally:
            _discard(self._guards, workflow_id, guard)
            _discard(self._by_connection, connection, guard)

    # -- announcements (called by the broker, synchronously, in commit order) ---------------
    def announced(self, payload: str) -> None:
        change = parse_access_change(payload)
        if change is not None:
            self._apply(change)

    def _apply(self, change: AccessChange) -> None:
        if change.kind == "token":
            for connection in list(self._by_token.get(change.ids[0], ())):
                connection.end(CloseCode.TOKEN_REVOKED)
        elif change.kind == "member":
            organization_id, user_id = change.ids
            for connection in list(self._by_member.get((organization_id, user_id), ())):
                self._mark(self._by_connection.get(connection, set()))
                self._spawn(self._recheck_connection(connection))
        else:
            guards = self._guards.get(change.ids[0], set())
            self._mark(guards)
            self._spawn(self._recheck(guards))

    def resync(self) -> None:
        """Announcements may have been missed (the listener reconnected): re-check all."""
        for connections in list(self._by_token.values()):
            for connection in list(connections):
                self._mark(self._by_connection.get(connection, set()))
                self._spawn(self._recheck_connection(connection))

    def _mark(self, guards: set[Guard]) -> None:
        for guard in guards:
            guard.stale = True

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The database did not answer; the next announcement or reconnect checks again.
            log.warning("access re-check failed: %s", task.exception())

    # -- re-checks -------------------------------------------------------------------------
    async def _recheck(self, guards: set[Guard], *, all_of_them: bool = False) -> None:
        """Check the stale ones (a guard registered after the mark checked for itself, after
        the commit), or all of them once a connection's actor changed (one that registered
        meanwhile may have checked with the old actor)."""
        await asyncio.gather(*(g.check() for g in list(guards) if all_of_them or g.stale),
                             return_exceptions=True)

    async def _recheck_connection(self, connection: LiveConnection) -> None:
        code = await _identity_lost(connection)
        if code is not None:
            connection.end(code)
        else:
            await self._recheck(self._by_connection.get(connection, set()), all_of_them=True)


async def _identity_lost(connection: LiveConnection) -> CloseCode | None:
    """Why the connection's identity is gone, re-read from the database (None: it is not, and
    the connection's actor now has the user's current role)."""
    principal = connection.principal
    assert principal is not None
    status = await token_status(principal.token_id)
    if status != "valid":
        return CloseCode.TOKEN_REVOKED if status == "revoked" else CloseCode.INVALID_TOKEN
    actor = await actor_for(principal.user, principal.actor.organization_id)
    if actor is None:
        return CloseCode.REMOVED_FROM_ORGANIZATION
    connection.actor = actor
    return None


def _member(connection: LiveConnection) -> tuple[int, int]:
    assert connection.principal is not None
    actor = connection.principal.actor
    return actor.organization_id, actor.user_id


def _discard(index: defaultdict[Any, set[T]], key: Any, item: T) -> None:
    """Remove `item` from `index[key]`, and the key once its set is empty (Any: any key)."""
    items = index.get(key)
    if items is not None:
        items.discard(item)
        if not items:
            del index[key]


def access_watch(context: Any) -> AccessWatch | None:
    """The process's watch, from a GraphQL context (Any: see `graphql_api.live.request_of`)."""
    watch = getattr(request_of(context).app.state, "access_watch", None)
    return watch if isinstance(watch, AccessWatch) else None


async def guarded(
    context: Any, workflow_id: int, items: AsyncIterator[T], *, per_event: bool = False
) -> AsyncIterator[T]:
    """`items` of a subscription following `workflow_id`, for as long as the caller may read
    that workflow. Checked once when it starts (the change may have committed before the
    guard existed), again whenever an announcement marks it stale, and before every item when
    `per_event` (the workflow's own streams). Any: the GraphQL context."""
    connection, watch = live_connection(context), access_watch(context)
    if watch is None:  # no watch in this app (no lifespan): nothing to re-check against
        async for item in items:
            yield item
        return
    with watch.guard(connection, workflow_id) as guard:
        if not await guard.check():
            return
        async for item in items:
            if (per_event or guard.stale or connection.closing) and not await guard.check():
                return
            yield item
