"""How a node run fails: the error carries its retry policy (after kopf)."""

from __future__ import annotations


class NodeError(Exception):
    """A node failed in a way a later try may not repeat (timeouts, 5xx, lost connections)."""


class PermanentError(NodeError):
    """A failure no retry can fix (invalid parameters, 4xx answers, unresolved references)."""
