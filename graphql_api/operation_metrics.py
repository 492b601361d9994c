"""Counting GraphQL operations: by operation type and result, and the time to execute queries
and mutations (a subscription's operation lasts as long as the subscription, so it is counted
when it ends but not timed)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from telemetry.metrics import GRAPHQL_DURATION, GRAPHQL_REQUESTS


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        run = self.execution_context
        try:
            operation = run.operation_type.value
        except Exception:  # no document (a parse error): the type cannot be known
            operation = "unknown"
        failed = bool(run.pre_execution_errors) or bool(run.result and run.result.errors)
        GRAPHQL_REQUESTS.labels(operation, "error" if failed else "ok").inc()
        if operation != OperationType.SUBSCRIPTION.value:
            GRAPHQL_DURATION.labels(operation).observe(time.perf_counter() - started)
