"""Preloading a page of workflows: what its nested fields will ask for, loaded per list before
the fields resolve.

The fields of `Workflow` and `Execution` that read other rows (`owner`, `sharedWith`,
`webhookUrl`, `executionCount`, `executions`, `triggeredBy`) are sync resolvers answering from
the request's loader cache when the row is there (`loaders.peek`). Loading it here, one batch
per loader for the whole page, turns ~6,000 awaitables of a `workflows(first: 100)` request
into plain values and keeps the statement count constant in the list size. What this does not
foresee (a filtered `executions`, a field under a directive) still resolves through the
loaders.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from domain import reads
from domain.rows import WorkflowRow
from graphql_api.context import Info
from graphql_api.loaders import ExecutionPageArgs
from graphql_api.types.execution import EXECUTIONS
from graphql_api.types.pagination import BadArgument, window

_SHARES = {"sharedWith", "webhookUrl"}


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, fragments flattened."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def _node_fields(connection: SelectedField) -> list[SelectedField]:
    """The fields selected on the nodes of a connection (`edges { node }` and `nodes`)."""
    found: list[SelectedField] = []
    for field in _fields(connection.selections):
        if field.name == "nodes":
            found += _fields(field.selections)
        elif field.name == "edges":
            for edge_field in _fields(field.selections):
                if edge_field.name == "node":
                    found += _fields(edge_field.selections)
    return found


def _int(value: object) -> int | None:
    """An Int argument: a literal comes as its source text, a variable as its value."""
    return None if value is None else int(str(value))


def _execution_args(field: SelectedField) -> ExecutionPageArgs | None:
    """The loader key part of an unfiltered `executions(...)`; None when it cannot tell."""
    arguments = field.arguments
    if arguments.get("filter") is not None:
        return None
    try:
        chosen = window(EXECUTIONS, _int(arguments.get("first")), arguments.get("after"),
                        _int(arguments.get("last")), arguments.get("before"))
    except BadArgument:
        return None  # the field itself reports it
    return reads.ExecutionFilter(), chosen


async def preload_workflows(info: Info, rows: list[WorkflowRow]) -> None:
    """Load, in one batch per loader, what the selected fields of these workflows read."""
    if not info.context.loaders.user_by_id.cache or not rows:
        return  # loaders that do not cache (websockets) could not serve it later
    fields = [f for top in _fields(info.selected_fields) for f in _node_fields(top)]
    names = {field.name for field in fields}
    loaders, ids = info.context.loaders, [row.id for row in rows]
    users: set[int] = {row.owner for row in rows} if "owner" in names else set()
    if "executionCount" in names:
        await loaders.execution_count_by_workflow.load_many(ids)
    if names & _SHARES:
        shares = await loaders.shared_user_ids_by_workflow.load_many(ids)
        if "sharedWith" in names:
            users.update(user for shared in shares for user in shared)
    for field in fields:
        args = _execution_args(field) if field.name == "executions" else None
        if args is None:
            continue
        pages = await loaders.executions_by_workflow.load_many([(pk, args) for pk in ids])
        if "triggeredBy" in {f.name for f in _node_fields(field)}:
            users.update(row.triggered_by for page in pages for row in page.rows
                         if row.triggered_by is not None)
    if users:
        await loaders.user_by_id.load_many(sorted(users))
