"""`environmentUpdated`: an environment's build, live (domain.environment_builds).

Like the other subscriptions: the environment must be of the caller's organization (else
"not found", whether it exists elsewhere or not), the broker is subscribed before the state
is read, the current state comes first (`SNAPSHOT`) unless `after` resumes after a cursor,
a client that falls behind gets `LAGGED`, and one resuming after a cursor retention has
passed gets `CursorExpired`. Every member may read an organization's
environments, so what live re-authorisation has to take away is the connection itself (a
revoked token, a removed member: `graphql_api.reauth` closes it); each event is also checked
against the connection's current actor before it goes out. Ends with `DELETED`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from enum import Enum
from typing import Annotated, Any

import strawberry

from domain.environment_builds import environment_row, log_tail
from domain.errors import CursorExpired as DomainCursorExpired
from domain.errors import InvalidInput as DomainInvalidInput
from domain.event_log import LoggedEvent, Position, environment_state, expired
from domain.events import environment_stream
from domain.rows import EnvironmentRow
from graphql_api.broker import Broker
from graphql_api.follow import Lagged, follow
from graphql_api.live import LiveConnection, live_connection, request_of
from graphql_api.live_types import cursor_position, event_cursor
from graphql_api.types.enums import BuildStatus, enum_or
from graphql_api.types.errors import CursorExpired, InvalidInput, NotFound, from_domain_error
from graphql_api.types.ids import decode_id
from graphql_api.types.resources import Environment
from graphql_api.types.scalars import Cursor

Info = strawberry.Info[Any, None]  # Any: the API's context type, as in graphql_api.subscriptions


@strawberry.enum
class EnvironmentEventKind(Enum):
    SNAPSHOT = "snapshot"  # the environment as it is, first item without `after`
    BUILD = "build"  # the build moved to `buildStatus` (started, ready, failed)
    LOG = "log"  # the installer wrote more output (`logTail`)
    DELETED = "deleted"  # the last item
    LAGGED = "lagged"  # the client fell behind: resubscribe with `after: cursor`


@strawberry.type(description="One change of an environment's build (see "
                 "EnvironmentEventKind); fields are as of the event.")
class EnvironmentEvent:
    cursor: Cursor
    kind: EnvironmentEventKind
    build_status: BuildStatus | None = None
    build_error: str | None = None
    log_tail: str | None = strawberry.field(default=None, description=(
        "The last 4 KiB of the build log as of this event (`environment.buildLog` has all "
        "that is kept)."))
    environment_pk: strawberry.Private[int] = 0
    organization_pk: strawberry.Private[int] = 0
    row: strawberry.Private[EnvironmentRow | None] = None

    @strawberry.field
    async def environment(self) -> Environment | None:
        """The environment as it is now; null once deleted."""
        row = self.row or await environment_row(self.environment_pk, self.organization_pk)
        return None if row is None else Environment.from_row(row)

    @classmethod
    def from_event(cls, event: LoggedEvent) -> EnvironmentEvent | None:
        try:
            kind = EnvironmentEventKind(event.kind)
        except ValueError:  # a kind this API version does not show
            return None
        status = event.payload.get("buildStatus")
        return cls(cursor=event_cursor(event.stream, event.position), kind=kind,
                   build_status=None if status is None else enum_or(
                       BuildStatus, status, BuildStatus.NONE),
                   build_error=event.payload.get("buildError"),
                   log_tail=event.payload.get("logTail"),
                   environment_pk=_key(event.stream), organization_pk=event.organization_id)


EnvironmentUpdate = Annotated[EnvironmentEvent | NotFound | InvalidInput | CursorExpired,
                              strawberry.union("EnvironmentUpdate")]


def _key(stream: str) -> int:
    return int(stream.rpartition(":")[2])


def _not_found(environment_id: strawberry.ID) -> NotFound:
    return NotFound(message=f"environment {environment_id} does not exist",
                    id=environment_id)


def _snapshot(stream: str, row: EnvironmentRow, cursor: Position) -> EnvironmentEvent:
    return EnvironmentEvent(
        cursor=event_cursor(stream, cursor), kind=EnvironmentEventKind.SNAPSHOT,
        build_status=enum_or(BuildStatus, row.build_status, BuildStatus.NONE),
        build_error=row.build_error, log_tail=log_tail(row.build_log),
        environment_pk=row.id, organization_pk=row.organization, row=row)


def _still_member(connection: LiveConnection, organization_id: int) -> bool:
    actor = connection.actor
    return (not connection.closing and actor is not None
            and actor.organization_id == organization_id)


async def environment_updated(
    info: Info, environment_id: strawberry.ID, after: Cursor | None = None
) -> AsyncGenerator[EnvironmentUpdate, None]:
    connection = live_connection(info.context)
    with connection.subscription_slot() as actor:
        try:
            key = decode_id(environment_id, "Environment", "environmentId")
            stream = environment_stream(key)
            cursor = cursor_position(after, stream)
        except DomainInvalidInput as exc:
            error = from_domain_error(exc, not_found=None)
            assert isinstance(error, InvalidInput)
            yield error
            return
        state = await environment_state(key)
        if state is None or state[0].organization != actor.organization_id:
            yield _not_found(environment_id)
            return
        if cursor is not None and await expired(stream, cursor):
            yield CursorExpired(message=str(DomainCursorExpired(stream)))
            return
        broker = request_of(info.context).app.state.broker
        assert isinstance(broker, Broker)
        with broker.subscribe(stream) as subscriber:
            if cursor is None:
                state = await environment_state(key)
                if state is None:  # deleted since the check
                    return
                row, cursor = state
                yield _snapshot(stream, row, cursor)
            events = follow(subscriber, cursor, until=lambda e: e.kind == "deleted")
            async for item in events:
                if not _still_member(connection, actor.organization_id):
                    return
                if isinstance(item, Lagged):
                    yield EnvironmentEvent(cursor=event_cursor(stream, item.cursor),
                                           kind=EnvironmentEventKind.LAGGED,
                                           environment_pk=key,
                                           organization_pk=actor.organization_id)
                elif (event := EnvironmentEvent.from_event(item)) is not None:
                    yield event
