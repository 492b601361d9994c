"""GraphQL enums: upper-case names, the database's lower-case values."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import strawberry


@strawberry.enum
class WorkflowStatus(Enum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    ARCHIVED = "archived"


@strawberry.enum
class ExecutionStatus(Enum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


@strawberry.enum
class TriggerType(Enum):
    MANUAL = "manual"
    WEBHOOK = "webhook"
    SCHEDULE = "schedule"


@strawberry.enum
class EdgeKind(Enum):
    SUCCESS = "success"
    TRUE = "true"
    FALSE = "false"
    ERROR = "error"


@strawberry.enum
class ManagedBy(Enum):
    API = "api"
    GIT = "git"


@strawberry.enum
class Role(Enum):
    ADMIN = "admin"
    MEMBER = "member"


@strawberry.enum
class DeploymentPhase(Enum):
    PROGRESSING = "PROGRESSING"
    AVAILABLE = "AVAILABLE"
    FAILED = "FAILED"


@strawberry.enum
class DeploymentFailureReason(Enum):
    """Why a deploy or undeploy did not happen; OTHER for a provisioner reason this version of
    the API does not name (the message says it)."""

    MISSING_REFERENCE = "MissingReference"
    ENVIRONMENT_NOT_READY = "EnvironmentNotReady"
    INVALID = "Invalid"
    UNAUTHORIZED = "Unauthorized"
    FORBIDDEN = "Forbidden"
    NOT_FOUND = "NotFound"
    CONFLICT = "Conflict"
    QUOTA_EXCEEDED = "QuotaExceeded"
    TOO_MANY_REQUESTS = "TooManyRequests"
    SERVER_ERROR = "ServerError"
    CLIENT_ERROR = "ClientError"
    UNREACHABLE = "Unreachable"
    UNCONFIGURED = "Unconfigured"
    CUSTOM_IMAGE = "CustomImage"
    AUTOSCALE_UNCONFIGURED = "AutoscaleUnconfigured"  # no FLOWPLANE_PROMETHEUS_URL
    AUTOSCALER_MISSING = "AutoscalerMissing"  # the cluster has no KEDA
    OTHER = "Other"


@strawberry.enum
class SpanKind(Enum):
    EXECUTION = "execution"
    ATTEMPT = "attempt"
    NODE = "node"


@strawberry.enum
class SpanStatus(Enum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    LOST = "lost"


@strawberry.enum
class LogLevel(Enum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@strawberry.enum
class BuildStatus(Enum):
    NONE = "none"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"


@strawberry.enum
class RetryFrom(Enum):
    START = "START"
    FAILED_NODE = "FAILED_NODE"


@strawberry.enum
class RetryVersion(Enum):
    PINNED = "PINNED"
    LATEST = "LATEST"


E = TypeVar("E", bound=Enum)


def enum_or(kind: type[E], value: object, default: E) -> E:
    """`kind(value)`, or `default` for a value this API version does not know."""
    try:
        return kind(value)
    except ValueError:
        return default
