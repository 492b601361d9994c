"""Hardening: token, selection, depth and alias limits, NUL refusal, error masking.

Credentials are checked by the view before any of this runs (an anonymous document is never
parsed). The limiter *rule classes* are built once at import: the validation cache is keyed by
the rules, so building a limiter per request would make every request a cache miss. Each
request still gets fresh extension instances (they hold that request's execution context).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from graphql import (
    DocumentNode,
    GraphQLError,
    StringValueNode,
    Visitor,
    visit,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from graphql_api.documents import ParseDocument, ValidateDocument
from graphql_api.operation_metrics import OperationMetrics

MAX_DEPTH = 10
MAX_ALIASES = 20
MAX_TOKENS = 2000

DEPTH_LIMITER = QueryDepthLimiter(max_depth=MAX_DEPTH)
ALIASES_LIMITER = MaxAliasesLimiter(max_alias_count=MAX_ALIASES)
_RULES = [*DEPTH_LIMITER.validation_rules, *ALIASES_LIMITER.validation_rules]


def _unexpected(error: GraphQLError) -> bool:
    """Mask what a resolver raised unexpectedly; keep request errors (no path) as they are."""
    return error.path is not None and not isinstance(error.original_error, GraphQLError)


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class _NulFinder(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_: object) -> None:
        if "\x00" in node.value:
            self.found = True


def _literal_has_nul(document: DocumentNode) -> bool:
    finder = _NulFinder()
    visit(document, finder)
    return finder.found


class RejectNulCharacters(SchemaExtension):
    """PostgreSQL text and JSON cannot hold NUL characters: refuse them as a request error
    instead of failing deep inside a resolver."""

    def on_execute(self) -> Iterator[None]:
        run = self.execution_context
        document = run.graphql_document
        if run.result is None and (_has_nul(run.variables) or (
            document is not None and _literal_has_nul(document)
        )):
            run.result = GraphQLExecutionResult(data=None, errors=[GraphQLError(
                "strings may not contain NUL (\\u0000) characters",
                extensions={"code": "BAD_USER_INPUT"},
            )])
        yield


def extensions() -> list[Callable[[], SchemaExtension]]:
    """Extension factories, in order: operation metrics (around everything), parse limits,
    validation rules and cache, NUL, masking."""
    return [
        OperationMetrics,
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        ParseDocument,
        lambda: AddValidationRules(_RULES),
        ValidateDocument,
        RejectNulCharacters,
        lambda: MaskErrors(should_mask_error=_unexpected),
    ]
