"""One node of one attempt: render its parameters, run its executor under the node timeout,
retry it by its own policy, and record a span for every try."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pydantic import ValidationError

from domain.egress import EgressPolicy
from domain.node_types import get_node_type
from domain.spec.templates import TemplateError, render
from engine import instruments, traces
from engine.errors import NodeError, PermanentError
from engine.journal import Journal
from engine.node_log import NodeLog
from engine.nodes import NodeContext, NodeResult, executor_for
from telemetry.logs import bind

MAX_BACKOFF_SECONDS = 300.0


@dataclass(frozen=True)
class NodeOutcome:
    node_id: str
    ok: bool
    output: Any = None  # Any: JSON output
    outcome: str = "success"
    error: str | None = None
    permanent: bool = False
    truncated: bool = False


def backoff(base: float, attempt: int) -> float:
    """Exponential backoff with up to 50% jitter: base * 2^(attempt-1), capped."""
    delay = min(MAX_BACKOFF_SECONDS, base * 2 ** (attempt - 1))
    return float(delay + random.uniform(0, delay / 2))


@dataclass(frozen=True)
class NodeRunner:
    journal: Journal
    services: dict[str, Any]  # Any: STRONGLY_SERVICES JSON
    execution_id: int
    timeout: float | None
    egress: EgressPolicy = field(default_factory=EgressPolicy)
    trace_id: str | None = None  # of the execution's trace (telemetry.tracing)

    async def run(self, node: dict[str, Any], scope: Mapping[str, Any], parent: int,
                  ) -> NodeOutcome:
        policy = node.get("retry") or {}
        tries = int(policy.get("maxAttempts") or 1)
        base = float(policy.get("backoffSeconds", 1.0))
        try_no = 1
        while True:
            outcome = await self._try(node, scope, parent, try_no)
            if outcome.ok or outcome.permanent or try_no >= tries:
                return outcome
            await asyncio.sleep(backoff(base, try_no))
            instruments.node_retried(str(node["type"]))
            try_no += 1

    async def _try(self, node: dict[str, Any], scope: Mapping[str, Any], parent: int,
                   try_no: int) -> NodeOutcome:
        node_id = str(node["id"])
        started = time.monotonic()  # a duration only: the database places it in time
        declared = get_node_type(str(node["type"]))
        assert declared is not None  # the plan checked every type
        # Instant nodes get one write when they are over; others are shown running meanwhile,
        # their log lines too.
        span = None if declared.instant else await self.journal.open(
            "node", parent, node_id, try_no)
        bind(span=span, node=node_id)  # this node's task: its log lines carry its ids
        logs = NodeLog()
        if span is not None:
            logs.stream(partial(self.journal.lines, span, node_id))
        try:
            outcome = await self._execute(declared.name, node, scope, logs,
                                          traces.node_headers(self.trace_id, span))
            instruments.node_tried(declared.name, outcome.ok, time.monotonic() - started)
            await self._record(outcome, span, parent, try_no, started, await logs.stop())
        finally:
            logs.cancel()  # cancelled meanwhile: no more writes
        return outcome

    async def _execute(self, type_name: str, node: dict[str, Any], scope: Mapping[str, Any],
                       logs: NodeLog, trace_headers: dict[str, str]) -> NodeOutcome:
        node_id = str(node["id"])
        try:
            ctx = self._context(node, scope, logs)
            ctx.trace_headers = trace_headers  # traceparent of this node's span, if traced
            async with asyncio.timeout(self.timeout):
                result: NodeResult = await executor_for(type_name)(ctx)
        except (NodeError, TimeoutError) as error:
            message = str(error) or f"node timed out after {self.timeout} s"
            return NodeOutcome(node_id, False, error=message,
                               permanent=isinstance(error, PermanentError))
        except Exception as error:  # a bug in an executor: recorded, and may be retried
            return NodeOutcome(node_id, False, error=f"{type(error).__name__}: {error}")
        return NodeOutcome(node_id, True, result.output, result.outcome,
                           truncated=result.truncated)

    async def _record(self, outcome: NodeOutcome, span: int | None, parent: int, try_no: int,
                      started: float, logs: list[tuple[str, str]]) -> None:
        status = "completed" if outcome.ok else "failed"
        keep = {"output": outcome.output, "outcome": outcome.outcome} if outcome.ok else None
        if span is None:
            await self.journal.done(parent, outcome.node_id, try_no, started, status,
                                    output=outcome.output, error=outcome.error, logs=logs,
                                    result=keep, truncated=outcome.truncated)
        else:
            await self.journal.close(span, status, output=outcome.output, error=outcome.error,
                                     node_id=outcome.node_id, logs=logs, result=keep,
                                     truncated=outcome.truncated)

    def _context(self, node: dict[str, Any], scope: Mapping[str, Any], logs: NodeLog,
                 ) -> NodeContext:
        node_type = get_node_type(str(node["type"]))
        assert node_type is not None  # the plan checked every type
        try:
            params = node_type.params.model_validate(render(node.get("params") or {}, scope))
        except TemplateError as error:
            raise PermanentError(f"template error in params: {error}") from None
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'params'}: {e['msg']}" for e in error.errors())
            raise PermanentError(f"invalid params: {problems}") from None
        return NodeContext(self.execution_id, node, params, self.services, scope, logs,
                           idempotency_key=idempotency_key(self.execution_id, str(node["id"]),
                                                           scope),
                           egress=self.egress)


def idempotency_key(execution_id: int, node_id: str, scope: Mapping[str, Any]) -> str:
    """The key a node hands the systems it calls: execution, node and the execution's
    attempt (Any: template scope, whose `execution.attempt` the runner sets)."""
    attempt = (scope.get("execution") or {}).get("attempt", 1)
    return f"{execution_id}:{node_id}:{attempt}"
