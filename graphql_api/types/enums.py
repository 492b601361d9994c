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
