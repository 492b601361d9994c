"""Multiplexed subscriptions: one task per group of subscribers that would see the same
result follows the stream, executes each event once and hands the same encoded payload to
every member's bounded queue.

A group is (broker, stream, document, variables, caller): the caller is the `Actor` the
resolvers read through the context (organization, user, role: readable workflows, `webhookUrl`
only for those who may run the workflow) and the connection's current actor, which the
organization feed's filter reads. The first subscriber of a group creates it with its cursor
and lends it its executor (`graphql_api.multiplex.MultiplexedExecutor`, the operation built
for that subscription); the group task executes each item with it as graphql-core executes a
subscription event, once for all members, and its `data` is a `SharedData` whose JSON the
transport encodes once (`graphql_api.ws_protocol.send_shared`).

Each member keeps what a subscription had on its own: its cursor, a bounded queue (one that
falls behind is `Lagged` and ends, the others go on), and its access re-checks, applied by its
resolver before each item it sends (`graphql_api.reauth.guarded`: a revoked member stops at
once, the group goes on for the others). A member that joins behind the group (its cursor
before the group's position) reads the log up to that position first, executing those items
itself; one ahead drops what it has. A member whose connection's actor changes (a new role)
moves to the group of its new actor, from its cursor. Items made for one subscriber (SNAPSHOT,
READY, LAGGED, errors) and a result with errors go through Strawberry as usual.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Hashable
from contextlib import aclosing
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from graphql import Executor, execute_subscription_event
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from domain.event_log import LoggedEvent, Position
from graphql_api.broker import Broker
from graphql_api.context import Context
from graphql_api.follow import Lagged, follow, log_after
from graphql_api.live import live_connection
from telemetry.metrics import SUBSCRIPTION_EVENTS

T = TypeVar("T")
log = logging.getLogger(__name__)
Convert = Callable[[LoggedEvent], Awaitable[T | None]]
Until = Callable[[LoggedEvent], bool]
_EXECUTOR: ContextVar[Executor[Any] | None] = ContextVar("flowplane_executor", default=None)
_EXECUTED = SUBSCRIPTION_EVENTS.labels("executed")
_SHARED = SUBSCRIPTION_EVENTS.labels("shared")


class SharedData(dict[str, Any]):
    """The `data` of a result sent to several subscribers; its JSON is encoded once."""

    encoded: str | None = None

    def payload(self, encode: Callable[[object], str | bytes]) -> str:
        """`{"data": ...}` as JSON text, encoded with the transport's encoder on first use."""
        if self.encoded is None:
            raw = encode({"data": dict(self)})
            self.encoded = raw.decode() if isinstance(raw, bytes) else raw
        return self.encoded


class MultiplexedExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor; a subscription's own is left where its resolver finds it, to
    lend to a group (see module doc)."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:  # Any: graphql-core's signature
        executor = super().build(*args, **kwargs)
        if isinstance(executor, Executor) and executor.operation.operation.value == \
                "subscription":
            _EXECUTOR.set(executor)  # the operation's own task: seen by its resolver
        return executor


@dataclass(frozen=True, slots=True)
class Frame(Generic[T]):
    """One item for the members of a group: the event's position, the subscription item,
    and its executed data when it is the same for every member (None: execute it apart)."""

    position: Position
    item: T
    data: SharedData | None = None


class Member(Generic[T]):
    """One subscription's bounded queue of a group's frames."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lagged = False
        self.ended = False
        self.failure: BaseException | None = None
        self._frames: deque[Frame[T]] = deque()
        self._wake = asyncio.Event()

    def offer(self, frame: Frame[T]) -> None:
        if self.lagged:
            return
        if len(self._frames) >= self.limit:
            self.lagged = True
            self._frames.clear()
        else:
            self._frames.append(frame)
        self._wake.set()

    def end(self, failure: BaseException | None = None) -> None:
        self.ended, self.failure = True, failure
        self._wake.set()

    async def next(self) -> Frame[T] | Literal["lagged", "ended"]:
        while True:
            if self.lagged:
                return "lagged"
            if self._frames:
                return self._frames.popleft()
            if self.ended:
                if self.failure is not None:
                    raise RuntimeError("the subscription's group failed") from self.failure
                return "ended"
            self._wake.clear()
            await self._wake.wait()


class Group(Generic[T]):
    """The task that follows one stream for its members (see module doc)."""

    def __init__(self, key: Hashable, broker: Broker, stream: str, position: Position,
                 convert: Convert[T], until: Until, executor: Executor[Any]) -> None:
        self.key, self.broker, self.stream = key, broker, stream
        self.position = position  # the last event handed to the members (or the start)
        self.convert, self.until, self.executor = convert, until, executor
        self.members: set[Member[T]] = set()
        self.task = asyncio.get_running_loop().create_task(self._run(), name="fanout-group")

    def join(self, limit: int) -> tuple[Member[T], Position]:
        """A new member, and the position from which it receives every frame."""
        member: Member[T] = Member(limit)
        self.members.add(member)
        return member, self.position

    def leave(self, member: Member[T]) -> None:
        self.members.discard(member)
        if not self.members and _GROUPS.get(self.key) is self:
            del _GROUPS[self.key]
            self.task.cancel()

    async def _run(self) -> None:
        failure: BaseException | None = None
        try:
            while await self._follow():
                pass  # the group's own buffer overflowed: go on from the log
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # not the members' fault: they end with an error
            log.exception("subscription group of %s failed", self.stream)
            failure = exc
        if _GROUPS.get(self.key) is self:
            del _GROUPS[self.key]
        for member in list(self.members):
            member.end(failure)

    async def _follow(self) -> bool:
        """Hand out the stream's events after the group's position; True when the group's
        buffer overflowed (follow again), False once the stream ended."""
        with self.broker.subscribe(self.stream) as subscriber:
            async with aclosing(follow(subscriber, self.position, self.until)) as events:
                async for event in events:
                    if isinstance(event, Lagged):
                        return True
                    frame = await self._frame(event)
                    self.position = event.position
                    if frame is not None:
                        self._publish(frame)
        return False

    async def _frame(self, event: LoggedEvent) -> Frame[T] | None:
        item = await self.convert(event)
        if item is None:
            return None
        try:
            result = execute_subscription_event(self.executor.build_per_event_executor(item))
            if isinstance(result, Awaitable):
                result = await result
        except Exception:  # executed apart by each member, which reports it as usual
            log.exception("shared execution of a %s event failed", self.stream)
            return Frame(event.position, item)
        if result.errors or result.extensions or result.data is None:
            return Frame(event.position, item)
        _EXECUTED.inc()
        return Frame(event.position, item, SharedData(result.data))

    def _publish(self, frame: Frame[T]) -> None:
        for member in self.members:
            member.offer(frame)
        if frame.data is not None and len(self.members) > 1:
            _SHARED.inc(len(self.members) - 1)


# Any: groups of every item type, one registry per process.
_GROUPS: dict[Hashable, Group[Any]] = {}


def group_key(context: object, broker: Broker, stream: str) -> Hashable | None:
    """The group of the running subscription (None: it runs alone, as without a group)."""
    executor = _EXECUTOR.get()
    if executor is None or not isinstance(context, Context) or context.principal is None:
        return None
    operation = executor.operation
    if operation.loc is None:  # not parsed from a source: nothing to tell it by
        return None
    document = f"{operation.name.value if operation.name else ''}\n{operation.loc.source.body}"
    variables = json.dumps(executor.variable_values.coerced, sort_keys=True, default=repr)
    return (broker, stream, document, variables, context.principal.actor,
            live_connection(context).actor)


async def shared_frames(
    context: object, broker: Broker, stream: str, cursor: Position, convert: Convert[T],
    until: Until = lambda _event: False,
) -> AsyncGenerator[Frame[T] | Lagged, None]:
    """The subscription's items after `cursor`, through its group (see module doc); ends
    after `Lagged`, or once an event for which `until` is true and those committed with it
    were handed out."""
    follower = _Follower(context, broker, stream, cursor, convert, until)
    while True:
        key = group_key(context, broker, stream)
        source = _alone(broker, stream, cursor, convert, until) if key is None \
            else follower.through(key)
        async with aclosing(source):
            async for got in source:
                yield got
        if key is None or not follower.moved:
            return
        follower.moved = False


class _Follower(Generic[T]):
    """One subscription's side of its group: its cursor, and whether it moved groups."""

    def __init__(self, context: object, broker: Broker, stream: str, cursor: Position,
                 convert: Convert[T], until: Until) -> None:
        self.connection = live_connection(context)
        self.broker, self.stream, self.cursor = broker, stream, cursor
        self.convert, self.until = convert, until
        self.moved = False

    async def through(self, key: Hashable) -> AsyncGenerator[Frame[T] | Lagged, None]:
        group: Group[T] | None = _GROUPS.get(key)
        if group is None:
            executor = _EXECUTOR.get()
            assert executor is not None  # group_key checked
            group = _GROUPS[key] = Group(key, self.broker, self.stream, self.cursor,
                                         self.convert, self.until, executor)
        member, start = group.join(self.broker.queue_size)
        try:
            if self.cursor < start:  # behind the group: catch up from the log
                async with aclosing(self._logged(start)) as logged:
                    async for frame in logged:
                        yield frame
            async with aclosing(self._frames(member)) as frames:
                async for got in frames:
                    yield got
        finally:
            group.leave(member)

    async def _logged(self, until: Position) -> AsyncGenerator[Frame[T], None]:
        async with aclosing(log_after(self.stream, self.cursor)) as logged:
            async for event in logged:
                if event.position > until:
                    return
                self.cursor = event.position
                if (item := await self.convert(event)) is not None:
                    yield Frame(event.position, item)

    async def _frames(self, member: Member[T]) -> AsyncGenerator[Frame[T] | Lagged, None]:
        viewer = self.connection.actor
        while not isinstance(got := await member.next(), str):
            if got.position <= self.cursor:
                continue  # read already
            if self.connection.actor is not viewer and self.connection.actor != viewer:
                self.moved = True  # a new role: on to the new actor's group, from the cursor
                return
            self.cursor = got.position
            yield got
        if got == "lagged":
            yield Lagged(self.cursor)


async def _alone(broker: Broker, stream: str, cursor: Position, convert: Convert[T],
                 until: Until) -> AsyncGenerator[Frame[T] | Lagged, None]:
    with broker.subscribe(stream) as subscriber:
        async with aclosing(follow(subscriber, cursor, until)) as events:
            async for event in events:
                if isinstance(event, Lagged):
                    yield event
                elif (item := await convert(event)) is not None:
                    yield Frame(event.position, item)
