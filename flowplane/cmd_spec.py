"""Commands of the spec area: validate, schema."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from domain.reference_rules import DEPRECATED, document_refs, is_deprecated
from domain.spec.jsonschema import json_schema
from domain.spec.loader import LoadResult, load_path
from flowplane._help import examples


def validate(
    paths: Annotated[list[Path], typer.Argument(
        metavar="PATH...", help="YAML files, or folders searched for *.yaml / *.yml.")],
) -> None:
    """Check declarative documents offline, reporting every error at once.

    Each error is printed as file:line:col: field: message.
    The exit status is 1 when any document is invalid."""
    out, err = Console(), Console(stderr=True)
    documents, errors = [], []
    for path in paths:
        result: LoadResult = load_path(path)
        documents += result.documents
        errors += result.errors
    for error in errors:
        err.print(f"[red]{escape(str(error))}[/red]", soft_wrap=True, highlight=False)
    for doc in documents:
        data = doc.document.model_dump(mode="json", by_alias=True)
        for where, ref in document_refs(doc.kind, data):
            if is_deprecated(ref):
                err.print(f"[yellow]warning[/yellow]: {escape(doc.path)}:{doc.line}: "
                          f"{'.'.join(where)}: {escape(DEPRECATED)}", soft_wrap=True,
                          highlight=False)
    counts = Counter(doc.kind for doc in documents)
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "no documents"
    if errors:
        err.print(f"{len(errors)} error(s); valid: {summary}", highlight=False)
        raise typer.Exit(code=1)
    out.print(f"[green]ok[/green]: {summary}", highlight=False)


def node_types() -> None:
    """Print the node-type reference (Markdown), plugins included; `make docs` saves it."""
    from domain.node_types import node_types as registry
    from flowplane.node_reference import render

    typer.echo(render(registry().values()), nl=False)


def schema() -> None:
    """Print the JSON Schema of the declarative format (for editors)."""
    typer.echo(json.dumps(json_schema(), indent=2, sort_keys=False))


def register(app: typer.Typer) -> None:
    """Add this area's commands to `app`."""
    app.command("validate", epilog=examples(
        "flowplane validate workflows.d", "flowplane validate workflows.d/greet.yaml other.yaml"))(
        validate)
    app.command("node-types", epilog=examples(
        "flowplane node-types > docs/node-types.md   # what `make docs` does"))(node_types)
    app.command("schema", epilog=examples(
        "flowplane schema > flowplane.schema.json   # then point yaml-language-server at it"))(
        schema)
