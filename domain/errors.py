"""Domain errors: expected outcomes that entry points turn into data (GraphQL result unions,
sync per-file results, CLI messages). Each message says exactly what is wrong."""

from __future__ import annotations


class DomainError(Exception):
    """Base of the expected failures of domain operations."""


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""


class Forbidden(DomainError):
    """The caller can see the thing but may not do this to it."""


class GitManaged(Forbidden):
    """An API edit of something synced from git; `source_path` names the file to change."""

    def __init__(self, what: str, source_path: str | None) -> None:
        super().__init__(
            f"{what} is managed by git in {source_path}: change that file instead "
            "(or let the organization allow git overrides)"
        )
        self.source_path = source_path


class Conflict(DomainError):
    """The change conflicts with the current state (stale version, duplicate name, ...)."""


class InvalidInput(DomainError):
    """The input is not valid; `errors` carries one entry per problem."""

    def __init__(self, message: str, errors: list[object] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


# Conflicts, one class per situation, so each entry point can say precisely what happened.


class NameTaken(Conflict):
    """Another object of the same kind in the organization already has the name."""

    def __init__(self, what: str, name: str) -> None:
        super().__init__(f"a {what} named {name!r} already exists in this organization")
        self.name = name


class LastAdmin(Conflict):
    """The change would leave the organization without an admin."""

    def __init__(self) -> None:
        super().__init__("an organization keeps at least one admin")


class WorkflowArchived(Conflict):
    """An archived workflow does not run."""

    def __init__(self, name: str) -> None:
        super().__init__(f"workflow {name!r} is archived and cannot run")


class ExecutionNotFinished(Conflict):
    """Only a finished execution can be retried."""

    def __init__(self, execution_id: int, status: str) -> None:
        super().__init__(f"execution {execution_id} is {status}, not finished")
        self.status = status


class ExecutionFinished(Conflict):
    """A completed or failed execution cannot be cancelled."""

    def __init__(self, execution_id: int, status: str) -> None:
        super().__init__(f"execution {execution_id} is already {status}")
        self.status = status


class CursorExpired(DomainError):
    """The events after a subscription cursor were deleted by retention (or the cursor was
    issued before the event log changed format): resubscribe without `after`."""

    def __init__(self, stream: str) -> None:
        super().__init__(f"the events after this cursor of {stream} are no longer retained: "
                         "subscribe again without `after` to start from the current state")
