"""Per-request dataloaders, one per key, named `<Thing>By<Key>Loader`: every list field loads
through them, so a nested query costs one statement per level, not one per row.

Over a websocket the context lives as long as the connection, so its loaders batch but do
not cache (`fresh`): an event resolved later must not see rows loaded for an earlier one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Any, Generic, TypeAlias, TypeGuard, TypeVar, cast

from strawberry.dataloader import DataLoader

from domain import execution_counts, lookups, organizations, reads, sync_runs, workflow_reads
from domain.access import Actor
from domain.pages import Page, Window
from domain.rows import ExecutionSummaryRow

V = TypeVar("V")
A = TypeVar("A", bound=Hashable)


def _by_key(
    fetch: Callable[[Sequence[int]], Awaitable[Mapping[int, V]]], missing: Callable[[], V]
) -> Callable[[list[int]], Awaitable[list[V]]]:
    async def load(keys: list[int]) -> list[V]:
        found = await fetch(keys)
        return [found.get(key, missing()) for key in keys]

    return load


class ByIdLoader(DataLoader[int, V | None], Generic[V]):
    """Rows by id through one batch read (None for ids it did not return)."""

    def __init__(self, fetch: Callable[[Sequence[int]], Awaitable[Mapping[int, V]]],
                 cache: bool) -> None:
        super().__init__(load_fn=_by_key(fetch, lambda: None), cache=cache)


class PagesByParentLoader(DataLoader[tuple[int, A], Page[V]], Generic[A, V]):
    """Key: (parent id, arguments); one statement per distinct arguments in a batch."""

    def __init__(self, fetch: Callable[[list[int], A], Awaitable[dict[int, Page[V]]]],
                 cache: bool) -> None:
        self.fetch = fetch
        super().__init__(load_fn=self._load, cache=cache)

    async def _load(self, keys: list[tuple[int, A]]) -> list[Page[V]]:
        by_args: dict[A, list[int]] = {}
        for parent, args in keys:
            by_args.setdefault(args, []).append(parent)
        found: dict[tuple[int, A], Page[V]] = {}
        for args, parents in by_args.items():
            pages = await self.fetch(sorted(set(parents)), args)
            found.update({(parent, args): pages[parent] for parent in parents})
        return [found[key] for key in keys]


class ListsByParentLoader(DataLoader[int, list[V]], Generic[V]):
    def __init__(self, fetch: Callable[[Sequence[int]], Awaitable[Mapping[int, list[V]]]],
                 cache: bool) -> None:
        super().__init__(load_fn=_by_key(fetch, list), cache=cache)


ExecutionPageArgs = tuple[reads.ExecutionFilter, Window]


async def _executions(
    ids: list[int], args: ExecutionPageArgs
) -> dict[int, Page[ExecutionSummaryRow]]:
    return await reads.executions_by_workflows(ids, *args)


class Loaders:
    """The loaders of one request; `actor` is read when a loader that checks access runs."""

    def __init__(self, actor: Callable[[], Actor], *, fresh: bool = False) -> None:
        cache = not fresh
        self.user_by_id = ByIdLoader(workflow_reads.users_by_ids, cache)
        self.organization_by_id = ByIdLoader(organizations.organizations_by_ids, cache)
        self.workflow_by_id = ByIdLoader(workflow_reads.workflows_by_ids, cache)
        self.readable_workflow_by_id = ByIdLoader(
            lambda ids: lookups.workflows(actor(), ids), cache)
        self.execution_by_id = ByIdLoader(reads.executions_by_ids, cache)
        self.shared_user_ids_by_workflow = DataLoader[int, list[int]](
            load_fn=_by_key(workflow_reads.shared_ids_by_workflows, list), cache=cache)
        self.execution_count_by_workflow = DataLoader[int, int](
            load_fn=_by_key(execution_counts.execution_counts, int), cache=cache)
        self.spans_by_execution = ListsByParentLoader(reads.spans_by_executions, cache)
        self.file_results_by_sync_run = ListsByParentLoader(sync_runs.file_results_by_run, cache)
        self.revisions_by_workflow = PagesByParentLoader(
            workflow_reads.revisions_by_workflows, cache)
        self.executions_by_workflow = PagesByParentLoader(_executions, cache)
        self.logs_by_execution = PagesByParentLoader(reads.logs_by_executions, cache)


R = TypeVar("R")
K = TypeVar("K", bound=Hashable)
Maybe: TypeAlias = V | Awaitable[V]
"""A value, or an awaitable of it: what a sync resolver returns when the value may already
be loaded (graphql-core completes a plain value without a task or a gather)."""


def pending(value: object) -> TypeGuard[Awaitable[Any]]:
    """Whether a `Maybe` is still to be awaited. An attribute check: `isinstance` against the
    `Awaitable` ABC costs several times more, and a list page asks thousands of times."""
    return hasattr(value, "__await__")


def peek(loader: DataLoader[K, V], key: K) -> Maybe[V]:
    """The loader's value for `key` if this request loaded it already, else `load(key)`."""
    if loader.cache:
        future = loader.cache_map.get(key)
        if future is not None and future.done() and not future.cancelled() \
                and future.exception() is None:
            return future.result()
    return loader.load(key)


def peek_many(loader: DataLoader[K, V], keys: Sequence[K]) -> Maybe[list[V]]:
    found = [peek(loader, key) for key in keys]
    if not any(pending(value) for value in found):
        return found  # type: ignore[return-value]  # no awaitable left: all plain values
    return loader.load_many(keys)


def then(value: Maybe[V], make: Callable[[V], R]) -> Maybe[R]:
    """`make(value)`, now if the value is at hand, else once it is loaded."""
    if pending(value):
        async def later(loading: Awaitable[V]) -> R:
            return make(await loading)

        return later(value)
    return make(cast(V, value))
