"""Expected failures as data: every error type implements `Error { message }`, and
`from_domain_error` maps a domain error to its GraphQL type."""

from __future__ import annotations

import strawberry

from domain import errors
from domain._workflow_rules import GitManaged
from domain.workflows import VersionConflict as StaleVersion


@strawberry.interface
class Error:
    message: str


@strawberry.type
class WorkflowNotFound(Error):
    workflow_id: strawberry.ID


@strawberry.type
class ExecutionNotFound(Error):
    execution_id: strawberry.ID


@strawberry.type
class NotFound(Error):
    """Something other than a workflow or execution (a resource, token, member)."""

    id: strawberry.ID


@strawberry.type
class Forbidden(Error):
    pass


@strawberry.type
class GitManagedWorkflow(Error):
    """The workflow is synced from git: change its file, not the API copy."""

    source_path: str | None


@strawberry.type
class VersionConflict(Error):
    expected_version: int
    current_version: int


@strawberry.type
class Conflict(Error):
    pass


@strawberry.type
class FieldError:
    field: str
    message: str


@strawberry.type
class InvalidInput(Error):
    errors: list[FieldError]


def invalid_input(field: str, message: str) -> InvalidInput:
    return InvalidInput(message=message, errors=[FieldError(field=field, message=message)])


def _field_errors(exc: errors.InvalidInput) -> list[FieldError]:
    found = []
    for item in exc.errors:
        field = getattr(item, "field", "")
        found.append(FieldError(field=str(field), message=str(getattr(item, "message", item))))
    return found or [FieldError(field="", message=str(exc))]


ErrorType = (
    WorkflowNotFound | ExecutionNotFound | NotFound | Forbidden | GitManagedWorkflow
    | VersionConflict | Conflict | InvalidInput
)


def from_domain_error(
    exc: errors.DomainError, *, not_found: ErrorType | None = None, field_prefix: str = ""
) -> ErrorType:
    """The GraphQL error for a domain error; `not_found` is what a NotFound becomes."""
    message = str(exc)
    if isinstance(exc, errors.NotFound):
        return not_found or NotFound(message=message, id=strawberry.ID(""))
    if isinstance(exc, GitManaged):
        return GitManagedWorkflow(message=message, source_path=exc.source_path)
    if isinstance(exc, errors.Forbidden):
        return Forbidden(message=message)
    if isinstance(exc, StaleVersion):
        return VersionConflict(
            message=message, expected_version=exc.expected, current_version=exc.current
        )
    if isinstance(exc, errors.InvalidInput):
        field_errors = _field_errors(exc)
        for item in field_errors:
            item.field = f"{field_prefix}{item.field}" if item.field else field_prefix.rstrip(".")
        return InvalidInput(message=message, errors=field_errors)
    return Conflict(message=message)
