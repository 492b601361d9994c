"""One attempt of an execution: walk the node graph, starting every node as soon as all its
predecessors are decided, so independent nodes and the branches of a parallel-branch node run
at once.

A node runs when at least one incoming connection fires: `success` when its source completed,
`true` / `false` by a condition's result, `error` when its source failed. Otherwise it is
skipped. A failed node without `error` connections fails the attempt at once (nodes still
running are cancelled); one with error handlers fails it only if no handler marks it handled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.node_run import NodeOutcome, NodeRunner
from engine.plan import Edge, Plan


@dataclass(frozen=True)
class AttemptResult:
    error: str | None = None
    permanent: bool = False


@dataclass
class AttemptRun:
    plan: Plan
    runner: NodeRunner
    span_id: int
    scope: dict[str, Any]  # Any: template context; `nodes` fills as nodes complete
    done: dict[str, NodeOutcome | None] = field(default_factory=dict)  # None = skipped
    handled: set[str] = field(default_factory=set)

    @classmethod
    def start(cls, plan: Plan, runner: NodeRunner, span_id: int, base_scope: Mapping[str, Any],
              reused: Mapping[str, Any]) -> AttemptRun:
        run = cls(plan, runner, span_id, {**base_scope, "nodes": {}})
        for node_id, kept in reused.items():
            run._complete(NodeOutcome(node_id, True, kept.get("output"),
                                      kept.get("outcome", "success")))
        return run

    def _complete(self, outcome: NodeOutcome) -> None:
        self.done[outcome.node_id] = outcome
        if outcome.ok:
            self.scope["nodes"][outcome.node_id] = {"output": outcome.output,
                                                    "outcome": outcome.outcome}
            if isinstance(outcome.output, dict) and outcome.output.get("handled") is True:
                self.handled.update(e.from_ for e in self.plan.incoming(outcome.node_id)
                                    if e.on == "error")

    def _fires(self, edge: Edge) -> bool:
        source = self.done[edge.from_]
        if source is None:
            return False
        return edge.on == (source.outcome if source.ok else "error")

    def _ready(self) -> list[str]:
        """Decide every node whose predecessors are all decided: skip it or return it."""
        ready: list[str] = []
        changed = True
        while changed:
            changed = False
            for node_id in self.plan.order:
                if node_id in self.done or node_id in ready:
                    continue
                incoming = self.plan.incoming(node_id)
                if any(e.from_ not in self.done for e in incoming):
                    continue
                if not incoming or any(self._fires(e) for e in incoming):
                    ready.append(node_id)
                else:
                    self.done[node_id], changed = None, True
        return ready

    def _scope_for(self, node_id: str) -> dict[str, Any]:
        failed = [self.done[e.from_] for e in self.plan.incoming(node_id) if e.on == "error"]
        errors = [{"node": f.node_id, "message": f.error} for f in failed if f and not f.ok]
        return {**self.scope, "error": errors[0]} if errors else self.scope

    async def run(self) -> AttemptResult:
        running: dict[asyncio.Task[NodeOutcome], str] = {}
        try:
            while True:
                for node_id in self._ready():
                    if node_id in running.values():
                        continue
                    coro = self.runner.run(self.plan.nodes[node_id], self._scope_for(node_id),
                                           self.span_id)
                    running[asyncio.create_task(coro)] = node_id
                if not running:
                    return self._verdict()
                finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in finished:
                    del running[task]
                    outcome = task.result()
                    self._complete(outcome)
                    if not outcome.ok and not self.plan.handlers(outcome.node_id):
                        return AttemptResult(f"node {outcome.node_id!r}: {outcome.error}",
                                             outcome.permanent)
        finally:
            for task in running:
                task.cancel()
            if running:
                await asyncio.gather(*running, return_exceptions=True)

    def _verdict(self) -> AttemptResult:
        for outcome in self.done.values():
            if outcome is not None and not outcome.ok and outcome.node_id not in self.handled:
                return AttemptResult(f"node {outcome.node_id!r}: {outcome.error}",
                                     outcome.permanent)
        return AttemptResult()
