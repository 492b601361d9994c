"""Parsing and validating GraphQL documents: cached, bounded, and failing as request errors on
every transport.

- `ParseDocument` parses through a shared LRU cache, then refuses documents with more than
  `MAX_SELECTIONS` selections before they are validated: graphql-core's overlapping-fields rule
  is quadratic (490 duplicate fields cost over a second of CPU), and a cap on tokens alone
  does not bound it. Strawberry's own `ParserCache` parses outside the try block that turns
  syntax errors into request errors, so over websockets a bad document ended in a bare
  `complete`; here a document that does not parse is left for Strawberry's own parse, inside
  that block.
- `ValidateDocument` validates through a shared LRU cache, unless the document was already
  refused (Strawberry's `ValidationCache` would overwrite that refusal with its own result).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from functools import lru_cache

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

MAX_SELECTIONS = 250
CACHE_SIZE = 256

_parse: Callable[..., DocumentNode] = lru_cache(maxsize=CACHE_SIZE)(parse)
_validate = lru_cache(maxsize=CACHE_SIZE)(validate_document)


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions
            if isinstance(d, FragmentDefinitionNode)}


def selection_count(document: DocumentNode, limit: int) -> int:
    """Fields and fragments the operations select, fragment spreads expanded where they are
    used, plus fragments never spread (once). Counting stops just past `limit`, so a document
    built to explode under expansion costs no more than `limit` steps."""
    fragments = _fragments(document)
    spread: set[str] = set()
    operations = [d.selection_set for d in document.definitions
                  if isinstance(d, OperationDefinitionNode)]
    count = _count([(s, frozenset()) for s in operations], fragments, spread, limit)
    unused = [(f.selection_set, frozenset({n})) for n, f in fragments.items() if n not in spread]
    return count + _count(unused, fragments, spread, limit - count)


def _count(
    stack: list[tuple[SelectionSetNode, frozenset[str]]],
    fragments: dict[str, FragmentDefinitionNode],
    spread: set[str],
    limit: int,
) -> int:
    """Selections under the selection sets of `stack` (each with the fragments it is inside)."""
    count = 0
    while stack and count <= limit:
        selection_set, path = stack.pop()
        for selection in selection_set.selections:
            count += 1
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                spread.add(name)
                if name in fragments and name not in path:  # a cycle is validation's to report
                    stack.append((fragments[name].selection_set, path | {name}))
            elif isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set:
                stack.append((selection.selection_set, path))
    return count


class ParseDocument(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        run = self.execution_context
        if run.query and run.graphql_document is None:
            # On a syntax error Strawberry parses again inside its try block and reports it.
            with contextlib.suppress(GraphQLError):
                run.graphql_document = _parse(run.query, **run.parse_options)
        document = run.graphql_document
        if document is not None and selection_count(document, MAX_SELECTIONS) > MAX_SELECTIONS:
            # Refused here, so validation is skipped (`ValidateDocument` keeps the refusal).
            run.pre_execution_errors = [GraphQLError(
                f"the document selects more than {MAX_SELECTIONS} fields (fragments counted "
                "where they are spread): split it into several requests",
                extensions={"code": "TOO_MANY_SELECTIONS"},
            )]
        yield


class ValidateDocument(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        run = self.execution_context
        if run.pre_execution_errors is None and run.graphql_document is not None:
            run.pre_execution_errors = _validate(
                run.schema._schema, run.graphql_document, run.validation_rules
            )
        yield
