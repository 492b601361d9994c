"""The one thing a caller without credentials may ask: `redeemSignInCode`, which is how the
console gets credentials from a one-time sign-in link (see domain.sign_in).

The view refuses anonymous requests before reading their document; for a request without any
`Authorization` header it first asks `is_public_request`, which looks at a small body only
(`MAX_BODY` bytes, `MAX_TOKENS` tokens) and says yes to exactly one mutation operation whose
only root field is a public one, with no fragments. So an anonymous caller still costs almost
nothing, and can reach no resolver but the public ones."""

from __future__ import annotations

import json

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.requests import Request

from graphql_api.accounts.sign_in import PUBLIC_MUTATIONS

MAX_BODY = 2048
MAX_TOKENS = 100


def is_public_document(query: object) -> bool:
    """A single mutation selecting only public root fields (aliases allowed)."""
    if not isinstance(query, str):
        return False
    try:
        document = parse(query, no_location=True, max_tokens=MAX_TOKENS)
    except GraphQLError:
        return False
    if len(document.definitions) != 1:
        return False
    (operation,) = document.definitions
    return (
        isinstance(operation, OperationDefinitionNode)
        and operation.operation == OperationType.MUTATION
        and all(isinstance(field, FieldNode) and field.name.value in PUBLIC_MUTATIONS
                for field in operation.selection_set.selections)
    )


async def is_public_request(request: Request) -> bool:
    """A POST without credentials that asks only for a public operation."""
    if request.method != "POST" or "authorization" in request.headers:
        return False
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > MAX_BODY:
        return False
    try:
        payload = json.loads(await request.body())
    except (ValueError, RecursionError):
        return False
    return isinstance(payload, dict) and is_public_document(payload.get("query"))
