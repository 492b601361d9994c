"""Expected failures as data. Every error type implements `Error { message code }` and carries
its own fields; `from_domain_error` maps each domain error class to exactly one of them (a
domain error without a mapping is a bug and surfaces as an unexpected error, never as a vague
catch-all). Which errors a field can return is its result union (see mutation_result)."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, ClassVar

import strawberry

from domain import errors
from domain.deployments import DeploymentFailed as DomainDeploymentFailed
from domain.workflows import VersionConflict as StaleVersion
from graphql_api.types.enums import DeploymentFailureReason, ExecutionStatus, enum_or


@strawberry.enum
class ErrorCode(Enum):
    """The category of an error, for handling errors of several types alike."""

    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID_INPUT = "INVALID_INPUT"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    NAME_TAKEN = "NAME_TAKEN"
    GIT_MANAGED = "GIT_MANAGED"
    LAST_ADMIN = "LAST_ADMIN"
    WORKFLOW_ARCHIVED = "WORKFLOW_ARCHIVED"
    EXECUTION_NOT_FINISHED = "EXECUTION_NOT_FINISHED"
    EXECUTION_FINISHED = "EXECUTION_FINISHED"
    DEPLOYMENT_FAILED = "DEPLOYMENT_FAILED"
    CURSOR_EXPIRED = "CURSOR_EXPIRED"


@strawberry.interface(description="An expected failure, returned as a member of a result union.")
class Error:
    CODE: ClassVar[ErrorCode]
    message: str

    @strawberry.field
    def code(self) -> ErrorCode:
        return self.CODE


@strawberry.type
class WorkflowNotFound(Error):
    """The workflow does not exist, or the caller may not read it."""

    CODE = ErrorCode.NOT_FOUND
    workflow_id: strawberry.ID


@strawberry.type
class ExecutionNotFound(Error):
    """The execution does not exist, or the caller may not read its workflow."""

    CODE = ErrorCode.NOT_FOUND
    execution_id: strawberry.ID


@strawberry.type
class NotFound(Error):
    """Something other than a workflow or execution (a resource, token, member, sync run)."""

    CODE = ErrorCode.NOT_FOUND
    id: strawberry.ID


@strawberry.type
class Forbidden(Error):
    """The caller may see the object but not do this to it."""

    CODE = ErrorCode.FORBIDDEN


@strawberry.type
class GitManaged(Error):
    """The object is synced from git: change its file, not the API copy."""

    CODE = ErrorCode.GIT_MANAGED
    source_path: str | None


@strawberry.type
class VersionConflict(Error):
    """The change was based on another version than the current one: reload and retry."""

    CODE = ErrorCode.VERSION_CONFLICT
    expected_version: int
    current_version: int


@strawberry.type
class NameTaken(Error):
    """Another object of this kind in the organization has the name."""

    CODE = ErrorCode.NAME_TAKEN
    name: str


@strawberry.type
class LastAdmin(Error):
    """The change would leave the organization without an admin."""

    CODE = ErrorCode.LAST_ADMIN


@strawberry.type
class WorkflowArchived(Error):
    """An archived workflow does not run."""

    CODE = ErrorCode.WORKFLOW_ARCHIVED


@strawberry.type
class ExecutionNotFinished(Error):
    """Only a finished execution can be retried."""

    CODE = ErrorCode.EXECUTION_NOT_FINISHED
    status: ExecutionStatus


@strawberry.type
class ExecutionFinished(Error):
    """A completed or failed execution cannot be cancelled."""

    CODE = ErrorCode.EXECUTION_FINISHED
    status: ExecutionStatus


@strawberry.type
class DeploymentFailed(Error):
    """Nothing was deployed (or undeployed); the workflow kept its previous state."""

    CODE = ErrorCode.DEPLOYMENT_FAILED
    reason: DeploymentFailureReason
    problems: list[str]
    retryable: bool


@strawberry.type
class CursorExpired(Error):
    """The events after `after` were deleted by retention (or the cursor predates the
    current event log): subscribe again without `after`, from the current state. Like
    Kubernetes' 410 Gone for an expired resourceVersion."""

    CODE = ErrorCode.CURSOR_EXPIRED


@strawberry.type
class FieldError:
    field: str = strawberry.field(description="The path of the input field, e.g. "
                                  "`input.nodes.0.type`.")
    message: str


@strawberry.type
class InvalidInput(Error):
    """The input is not valid; `errors` names every problem with its field path."""

    CODE = ErrorCode.INVALID_INPUT
    errors: list[FieldError]


def invalid_input(field: str, message: str) -> InvalidInput:
    return InvalidInput(message=message, errors=[FieldError(field=field, message=message)])


def _field_errors(exc: errors.InvalidInput, prefix: str) -> list[FieldError]:
    found = []
    for item in exc.errors:
        field = str(getattr(item, "field", ""))
        found.append(FieldError(field=f"{prefix}{field}" if field else prefix.rstrip("."),
                                message=str(getattr(item, "message", item))))
    return found or [FieldError(field=prefix.rstrip("."), message=str(exc))]


def _status(value: str) -> ExecutionStatus:
    return enum_or(ExecutionStatus, value, ExecutionStatus.FAILED)


def _deployment_failed(exc: DomainDeploymentFailed) -> DeploymentFailed:
    reason = enum_or(DeploymentFailureReason, exc.reason, DeploymentFailureReason.OTHER)
    return DeploymentFailed(message=str(exc), reason=reason, problems=exc.problems,
                            retryable=exc.retryable)


# Domain error class -> its error type, most specific classes first (GitManaged is a
# Forbidden, VersionConflict a Conflict). Any: each builder takes its own exception class.
_TYPES: list[tuple[type[errors.DomainError], Callable[[Any], Error]]] = [
    (errors.GitManaged, lambda e: GitManaged(message=str(e), source_path=e.source_path)),
    (errors.Forbidden, lambda e: Forbidden(message=str(e))),
    (StaleVersion, lambda e: VersionConflict(message=str(e), expected_version=e.expected,
                                             current_version=e.current)),
    (errors.NameTaken, lambda e: NameTaken(message=str(e), name=e.name)),
    (errors.LastAdmin, lambda e: LastAdmin(message=str(e))),
    (errors.WorkflowArchived, lambda e: WorkflowArchived(message=str(e))),
    (errors.ExecutionNotFinished,
     lambda e: ExecutionNotFinished(message=str(e), status=_status(e.status))),
    (errors.ExecutionFinished,
     lambda e: ExecutionFinished(message=str(e), status=_status(e.status))),
    (DomainDeploymentFailed, _deployment_failed),
    (errors.CursorExpired, lambda e: CursorExpired(message=str(e))),
]


def from_domain_error(
    exc: errors.DomainError, *, not_found: Error | None, field_prefix: str = ""
) -> Error:
    """The error type for a domain error (`not_found` is what a NotFound becomes); the
    domain error itself is raised again when no type maps it."""
    if isinstance(exc, errors.NotFound) and not_found is not None:
        return not_found
    if isinstance(exc, errors.InvalidInput):
        return InvalidInput(message=str(exc), errors=_field_errors(exc, field_prefix))
    for domain_type, build in _TYPES:
        if isinstance(exc, domain_type):
            return build(exc)
    raise exc
