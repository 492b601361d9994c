"""The schema, assembled from one query, mutation and subscription class per area: adding an
area is one line in a list below."""

from __future__ import annotations

import json

import strawberry
from graphql import GraphQLInterfaceType, GraphQLUnionType
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from domain.settings import get_settings
from graphql_api.accounts.mutations import AccountMutations
from graphql_api.accounts.queries import AccountQueries
from graphql_api.accounts.sign_in import SignInMutations
from graphql_api.deployments import DeploymentMutations
from graphql_api.executions.mutations import ExecutionMutations
from graphql_api.executions.queries import ExecutionQueries
from graphql_api.limits import extensions
from graphql_api.multiplex import MultiplexedExecutor
from graphql_api.nodes import NodeQueries
from graphql_api.resources.mutations import ResourceMutations
from graphql_api.resources.queries import ResourceQueries
from graphql_api.secrets.mutations import SecretMutations
from graphql_api.secrets.queries import SecretQueries
from graphql_api.subscriptions import Subscription
from graphql_api.sync_runs import SyncMutations, SyncQueries
from graphql_api.types.lean import install
from graphql_api.types.scalars import CURSOR_SCALAR, Cursor
from graphql_api.workflows.mutations import WorkflowMutations
from graphql_api.workflows.queries import WorkflowQueries

QUERIES: list[type] = [
    NodeQueries, AccountQueries, WorkflowQueries, ExecutionQueries, ResourceQueries,
    SyncQueries, SecretQueries,
]
MUTATIONS: list[type] = [
    AccountMutations, WorkflowMutations, ExecutionMutations, ResourceMutations,
    DeploymentMutations, SyncMutations, SignInMutations, SecretMutations,
]
SUBSCRIPTIONS: list[type] = [Subscription]


def build_schema(*, dev_mode: bool | None = None) -> strawberry.Schema:
    dev = get_settings().dev_mode if dev_mode is None else dev_mode
    subscription = merge_types("Subscription", tuple(SUBSCRIPTIONS)) if SUBSCRIPTIONS else None
    schema = strawberry.Schema(
        query=merge_types("Query", tuple(QUERIES)),
        mutation=merge_types("Mutation", tuple(MUTATIONS)),
        subscription=subscription,
        extensions=extensions(),
        execution_context_class=MultiplexedExecutor,
        config=StrawberryConfig(
            disable_field_suggestions=not dev, scalar_map={Cursor: CURSOR_SCALAR}
        ),
    )
    install(schema)
    return schema


def sdl() -> str:
    """The schema as SDL, as committed in schema.graphql."""
    return build_schema(dev_mode=False).as_str() + "\n"


def possible_types(schema: strawberry.Schema | None = None) -> dict[str, list[str]]:
    """Every interface and union with the object types it can be, as Apollo Client's
    `possibleTypes` (and urql's graphcache) want it: without it, the fields of union members
    and interface implementations come back empty from a normalised cache."""
    graphql = (schema or build_schema(dev_mode=False))._schema
    found: dict[str, list[str]] = {}
    for name, kind in sorted(graphql.type_map.items()):
        if name.startswith("__"):
            continue
        if isinstance(kind, GraphQLUnionType | GraphQLInterfaceType):
            found[name] = sorted(t.name for t in graphql.get_possible_types(kind))
    return found


def possible_types_json() -> str:
    """possibleTypes.json as committed next to schema.graphql."""
    return json.dumps(possible_types(), indent=2, sort_keys=True) + "\n"
