"""Domain errors: expected outcomes that entry points turn into data (GraphQL result unions,
sync per-file results, CLI messages). Each message says exactly what is wrong."""

from __future__ import annotations


class DomainError(Exception):
    """Base of the expected failures of domain operations."""


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""


class Forbidden(DomainError):
    """The caller can see the thing but may not do this to it."""


class Conflict(DomainError):
    """The change conflicts with the current state (stale version, duplicate name, ...)."""


class InvalidInput(DomainError):
    """The input is not valid; `errors` carries one entry per problem."""

    def __init__(self, message: str, errors: list[object] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []
