"""Deployment errors that carry their retry policy (as kopf's PermanentError/TemporaryError).

`reason` is a short machine code callers can switch on ("Forbidden", "QuotaExceeded",
"Unschedulable", "ImagePull", "CrashLoop", "Timeout", "Invalid", "Conflict", "Unreachable",
"ServerError", ...); the message says what went wrong in words a user can act on.
"""

from __future__ import annotations


class DeployError(Exception):
    """A deployment could not be provisioned, inspected or torn down."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


class PermanentDeployError(DeployError):
    """Retrying the same request will fail the same way (forbidden, invalid, quota, ...)."""


class TemporaryDeployError(DeployError):
    """The cluster could not answer now; retrying after `delay` seconds may succeed."""

    def __init__(self, reason: str, message: str, *, delay: float = 5.0) -> None:
        super().__init__(reason, message)
        self.delay = delay
