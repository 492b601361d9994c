"""`node(id:)` and `nodes(ids:)`: any object by its global id, under the same access checks as
the typed fields (domain.lookups). An id of something the caller may not read resolves to
null, exactly like one that never existed; a malformed id is a BAD_USER_INPUT field error."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import strawberry

from domain import lookups, memberships, resources, secret_store, sync_runs, tokens
from domain.access import Actor
from domain.resources import ResourceKind
from domain.rows import ResourceRow, Row
from graphql_api.context import Info
from graphql_api.types.execution import Execution, LogLine, Span
from graphql_api.types.ids import parse_global_id
from graphql_api.types.node import Node
from graphql_api.types.pagination import MAX_PAGE, BadArgument
from graphql_api.types.resources import AddOn, ApiToken, DataSource, Environment, Model
from graphql_api.types.secret import Secret
from graphql_api.types.sync_run import SyncRun
from graphql_api.types.user import Member, Organization, User
from graphql_api.types.workflow import Workflow, WorkflowRevision

# Any: the rows of one node type (its typed row of domain.rows), which only that type's
# `from_row` reads.
Rows = Mapping[int, Any]
Fetch = Callable[[Actor, Sequence[int]], Awaitable[Rows]]
R = TypeVar("R", bound=Row)
K = TypeVar("K", bound=ResourceRow)


def _typed(fetch: Callable[[Actor, Sequence[int]], Awaitable[dict[int, R]]],
           build: Callable[[R], Node]) -> tuple[Fetch, Callable[[Any], Node]]:
    """A node type's read and build, checked to agree on the type of its rows."""
    return fetch, build


def _resource(kind: ResourceKind[K]) -> Callable[[Actor, Sequence[int]], Awaitable[dict[int, K]]]:
    async def fetch(actor: Actor, ids: Sequence[int]) -> dict[int, K]:
        return await lookups.resources(actor, kind, ids)

    return fetch


# Every Node type: how to read its rows for an actor, and how to build it from a row.
RESOLVERS: dict[str, tuple[Fetch, Callable[[Any], Node]]] = {
    "Workflow": _typed(lookups.workflows, Workflow.from_row),
    "WorkflowRevision": _typed(lookups.revisions, WorkflowRevision.from_row),
    "Execution": _typed(lookups.executions, Execution.from_row),
    "Span": _typed(lookups.spans, Span.from_row),
    "LogLine": _typed(lookups.logs, LogLine.from_row),
    "User": _typed(lookups.users, User.from_row),
    "Organization": _typed(lookups.organizations, Organization.from_row),
    "Member": _typed(memberships.members_by_ids, Member.from_row),
    "ApiToken": _typed(lambda actor, ids: tokens.api_tokens_by_ids(actor.user_id, list(ids)),
                       ApiToken.from_row),
    "Environment": _typed(_resource(resources.ENVIRONMENT), Environment.from_row),
    "DataSource": _typed(_resource(resources.DATA_SOURCE), DataSource.from_row),
    "AddOn": _typed(_resource(resources.ADD_ON), AddOn.from_row),
    "Model": _typed(_resource(resources.MODEL), Model.from_row),
    "SyncRun": _typed(lambda actor, ids: sync_runs.sync_runs_by_ids(actor.organization_id, ids),
                      SyncRun.from_row),
    "Secret": _typed(
        lambda actor, ids: secret_store.secrets_by_ids(actor.organization_id, list(ids)),
        Secret.from_row),
}


def _parsed(ids: Sequence[strawberry.ID], argument: str) -> list[tuple[str, int] | None]:
    """(type, key) per id; None for an id of a type that has no node."""
    parsed: list[tuple[str, int] | None] = []
    for value in ids:
        found = parse_global_id(value)
        if found is None:
            raise BadArgument(argument, f"{value!r} is not an id issued by this API")
        parsed.append(found if found[0] in RESOLVERS else None)
    return parsed


async def resolve_nodes(actor: Actor, ids: Sequence[strawberry.ID], argument: str
                        ) -> list[Node | None]:
    """The objects the ids name, in order; one read per type, whatever the number of ids."""
    parsed = _parsed(ids, argument)
    wanted: dict[str, set[int]] = defaultdict(set)
    for item in parsed:
        if item is not None:
            wanted[item[0]].add(item[1])
    found: dict[tuple[str, int], Node] = {}
    for type_name, keys in wanted.items():
        fetch, build = RESOLVERS[type_name]
        rows = await fetch(actor, sorted(keys))
        found.update({(type_name, key): build(row) for key, row in rows.items()})
    return [None if item is None else found.get(item) for item in parsed]


@strawberry.type
class NodeQueries:
    @strawberry.field
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        """The object with this global id, or null when it does not exist or the caller may
        not read it."""
        return (await resolve_nodes(info.context.actor, [id], "id"))[0]

    @strawberry.field
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        """The objects with these ids (at most 100), in order; null for each that does not
        exist or the caller may not read."""
        if len(ids) > MAX_PAGE:
            raise BadArgument("ids", f"at most {MAX_PAGE} ids, got {len(ids)}")
        return await resolve_nodes(info.context.actor, ids, "ids")
