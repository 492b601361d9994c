"""The ceiling of the API stack: a bare Strawberry schema whose resolvers return, from memory,
the same data that `flowplane serve` answers for the API benchmark's two queries. Served the
same way (Starlette + Strawberry's ASGI view under uvicorn, same log level), with no database,
no authentication and no dataloaders.

    python -m bench._ceiling --port PORT --data responses.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.scalars import JSON


@strawberry.type
class User:
    handle: str


@strawberry.type
class ExecutionSummary:
    id: strawberry.ID
    status: str
    triggered_by: User | None


@strawberry.type
class ExecutionPage:
    nodes: list[ExecutionSummary]


@strawberry.type
class Workflow:
    id: strawberry.ID
    name: str
    status: str
    version: int
    owner: User | None
    shared_with: list[User]
    latest: strawberry.Private[list[ExecutionSummary]]

    @strawberry.field
    def executions(self, first: int = 10) -> ExecutionPage:
        return ExecutionPage(nodes=self.latest[:first])


@strawberry.type
class WorkflowEdge:
    cursor: str
    node: Workflow


@strawberry.type
class WorkflowConnection:
    edges: list[WorkflowEdge]


@strawberry.type
class Span:
    id: strawberry.ID
    kind: str
    node_id: str | None
    status: str
    duration_ms: int | None
    output: JSON | None
    children: list[Span]


@strawberry.type
class Execution:
    id: strawberry.ID
    status: str
    spans: list[Span]


def _user(row: dict[str, Any] | None) -> User | None:
    return None if row is None else User(handle=row["handle"])


def _workflow(node: dict[str, Any]) -> Workflow:
    return Workflow(
        id=node["id"], name=node["name"], status=node["status"], version=node["version"],
        owner=_user(node["owner"]), shared_with=[User(handle=u["handle"])
                                                 for u in node["sharedWith"]],
        latest=[ExecutionSummary(id=e["id"], status=e["status"],
                                 triggered_by=_user(e["triggeredBy"]))
                for e in node["executions"]["nodes"]],
    )


def _span(row: dict[str, Any]) -> Span:
    return Span(id=row["id"], kind=row["kind"], node_id=row["nodeId"], status=row["status"],
                duration_ms=row["durationMs"], output=row["output"],
                children=[_span(child) for child in row.get("children", [])])


def build_schema(data: dict[str, Any]) -> strawberry.Schema:
    """A schema answering `workflows(first)` and `execution(id)` from `data` (the flowplane
    responses: {"workflows": ..., "execution": ...})."""
    workflows = [_workflow(e["node"]) for e in data["workflows"]["workflows"]["edges"]]
    cursors = [e["cursor"] for e in data["workflows"]["workflows"]["edges"]]
    one = data["execution"]["execution"]
    execution = Execution(id=one["id"], status=one["status"],
                          spans=[_span(s) for s in one["spans"]])

    @strawberry.type
    class Query:
        @strawberry.field
        def workflows(self, first: int = 20) -> WorkflowConnection:
            pairs = zip(cursors[:first], workflows, strict=False)
            return WorkflowConnection(edges=[WorkflowEdge(cursor=c, node=w) for c, w in pairs])

        @strawberry.field
        def execution(self, id: strawberry.ID) -> Execution:
            return execution

    return strawberry.Schema(query=Query)


async def _healthz(_: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", type=Path, required=True)
    args = parser.parse_args()
    schema = build_schema(json.loads(args.data.read_text()))
    app = Starlette(routes=[Route("/healthz", _healthz),
                            Route("/graphql", GraphQL(schema), methods=["GET", "POST"])])
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="info", ws="auto")


if __name__ == "__main__":
    main()
