"""Per-request dataloaders, one per key, named `<Thing>By<Key>Loader`: every list field loads
through them, so a nested query costs one statement per level, not one per row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from domain import sync_runs, workflow_reads

V = TypeVar("V")
Row = dict[str, Any]  # Any: column values


def _by_key(
    fetch: Callable[[Sequence[int]], Awaitable[Mapping[int, V]]], missing: Callable[[], V]
) -> Callable[[list[int]], Awaitable[list[V]]]:
    async def load(keys: list[int]) -> list[V]:
        found = await fetch(keys)
        return [found.get(key, missing()) for key in keys]

    return load


class UserByIdLoader(DataLoader[int, Row | None]):
    def __init__(self) -> None:
        super().__init__(load_fn=_by_key(workflow_reads.users_by_ids, lambda: None))


class SharedUserIdsByWorkflowLoader(DataLoader[int, list[int]]):
    def __init__(self) -> None:
        super().__init__(load_fn=_by_key(workflow_reads.shared_ids_by_workflows, list))


class RevisionsByWorkflowLoader(DataLoader[int, list[Row]]):
    def __init__(self) -> None:
        super().__init__(load_fn=_by_key(workflow_reads.revisions_by_workflows, list))


class FileResultsBySyncRunLoader(DataLoader[int, list[Row]]):
    def __init__(self) -> None:
        super().__init__(load_fn=_by_key(sync_runs.file_results_by_run, list))


class LatestExecutionsByWorkflowLoader(DataLoader[tuple[int, int], list[Row]]):
    """Key: (workflow id, how many); one statement per distinct `how many` in a batch."""

    def __init__(self) -> None:
        super().__init__(load_fn=self._load)

    @staticmethod
    async def _load(keys: list[tuple[int, int]]) -> list[list[Row]]:
        by_limit: dict[int, list[int]] = {}
        for workflow_id, limit in keys:
            by_limit.setdefault(limit, []).append(workflow_id)
        found: dict[tuple[int, int], list[Row]] = {}
        for limit, ids in by_limit.items():
            rows = await workflow_reads.latest_summaries_by_workflows(ids, limit)
            found.update({(wid, limit): rows.get(wid, []) for wid in ids})
        return [found[key] for key in keys]


@dataclass
class Loaders:
    user_by_id: UserByIdLoader = field(default_factory=UserByIdLoader)
    shared_user_ids_by_workflow: SharedUserIdsByWorkflowLoader = field(
        default_factory=SharedUserIdsByWorkflowLoader
    )
    revisions_by_workflow: RevisionsByWorkflowLoader = field(
        default_factory=RevisionsByWorkflowLoader
    )
    latest_executions_by_workflow: LatestExecutionsByWorkflowLoader = field(
        default_factory=LatestExecutionsByWorkflowLoader
    )
    file_results_by_sync_run: FileResultsBySyncRunLoader = field(
        default_factory=FileResultsBySyncRunLoader
    )
