"""GraphQL over HTTP responses: which media type a client gets, which status code a result
gets, and the GraphQL-shaped body of a refused request.

`application/graphql-response+json` is preferred whenever the client accepts it at least as
much as `application/json`: request errors (the document does not parse or validate, the
variables do not coerce, the request itself is malformed) then answer 4xx without a `data`
entry, as the GraphQL-over-HTTP spec says. Older clients that accept only `application/json`
(or send `*/*`, or no Accept at all) keep the legacy behaviour: 200 for every well-formed
request, `data: null` beside request errors.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from graphql import GraphQLError
from starlette.responses import Response
from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def _quality(accept: str, media_type: str) -> float:
    """The q value `accept` gives `media_type` (exact type, `type/*` or `*/*`); 0 when absent."""
    kind = media_type.split("/")[0]
    best, specificity = 0.0, -1
    for item in accept.split(","):
        name, *params = (part.strip() for part in item.split(";"))
        rank = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(name.lower())
        if rank is None or rank < specificity:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        best, specificity = quality, rank
    return best


def negotiate(accept: str | None) -> str:
    """The media type of the response to a request with this Accept header."""
    if not accept:
        return JSON
    preferred = _quality(accept, GRAPHQL_RESPONSE)
    explicit = any(GRAPHQL_RESPONSE in item for item in accept.lower().split(","))
    if explicit and preferred > 0 and preferred >= _quality(accept, JSON):
        return GRAPHQL_RESPONSE
    return JSON


def is_request_error(result: ExecutionResult) -> bool:
    """Nothing was executed: the errors come from parsing, validation, variable coercion or
    a refusal before execution (field errors carry a path; a request error does not)."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


def error_body(message: str, code: str) -> dict[str, object]:
    return {"errors": [GraphQLError(message, extensions={"code": code}).formatted]}


def refusal(
    media_type: str,
    status: int,
    message: str,
    code: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A request refused before execution, as a GraphQL response with no `data` entry."""
    body = json.dumps(error_body(message, code), separators=(",", ":"))
    return Response(body, status_code=status, headers={
        **(headers or {}), "content-type": f"{media_type}; charset=utf-8"})
