"""Node executors, registered under the names `domain.node_types` declares."""

from __future__ import annotations

from engine.nodes.ai import ai_chat
from engine.nodes.base import Executor, NodeContext, NodeResult
from engine.nodes.basic import condition, delay, error_handler, parallel_branch, transform
from engine.nodes.http import http_request
from engine.nodes.postgres import destination_postgres, source_postgres

EXECUTORS: dict[str, Executor] = {
    "http.request": http_request,
    "transform": transform,
    "condition": condition,
    "parallel-branch": parallel_branch,
    "delay": delay,
    "source.postgres": source_postgres,
    "destination.postgres": destination_postgres,
    "ai.chat": ai_chat,
    "error-handler": error_handler,
}

__all__ = ["EXECUTORS", "Executor", "NodeContext", "NodeResult"]
