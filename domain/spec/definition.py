"""The versioned part of a workflow, its canonical JSON and hash, and its validation.

A save of anything here is a new version; name, state, owner and sharing are not part of it.
The GraphQL API and the YAML loader validate through the same models and checks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import Field

from domain.spec._checks import check_graph
from domain.spec._issues import Issue, validate_model
from domain.spec.errors import SpecError, format_loc
from domain.spec.model import (
    Connection,
    DeploymentSettings,
    Node,
    SpecModel,
    Trigger,
    WorkflowDocument,
    WorkflowSettings,
)

MAX_DEFINITION_BYTES = 256 * 1024


class WorkflowDefinition(SpecModel):
    description: str = ""
    tags: list[str] = []
    trigger: Trigger = Trigger()
    settings: WorkflowSettings = WorkflowSettings()
    deployment: DeploymentSettings = DeploymentSettings()
    nodes: list[Node] = Field(default=[], max_length=500)
    connections: list[Connection] = Field(default=[], max_length=2000)

    @classmethod
    def from_document(cls, document: WorkflowDocument) -> WorkflowDefinition:
        spec = document.spec
        return cls(
            description=document.metadata.description,
            tags=document.metadata.tags,
            trigger=spec.trigger,
            settings=spec.settings,
            deployment=spec.deployment,
            nodes=spec.nodes,
            connections=spec.connections,
        )

    def to_json(self) -> dict[str, Any]:
        """Canonical camelCase JSON (Any: JSON values), keys in declaration order.

        Keys match the workflow columns: nodes, connections, settings, trigger, deployment
        (deployment_settings), description, tags.
        """
        return self.model_dump(mode="json", by_alias=True)

    def content_hash(self) -> str:
        return hashlib.sha256(canonical_bytes(self.to_json())).hexdigest()


def canonical_bytes(value: Any) -> bytes:
    """Sorted-key, compact JSON (Any: any JSON-able value); `str` for anything else."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return text.encode()


def size_issue(size: int, limit: int) -> Issue:
    return ((), f"definition is {size} bytes, more than the limit of {limit} bytes")


def validate_definition(
    data: Mapping[str, Any], max_bytes: int = MAX_DEFINITION_BYTES
) -> tuple[WorkflowDefinition | None, list[SpecError]]:
    """Validate a camelCase definition (Any: JSON input) as the YAML loader does."""
    size = len(canonical_bytes(data))
    if size > max_bytes:
        return None, _spec_errors([size_issue(size, max_bytes)])
    definition, issues = validate_model(WorkflowDefinition, data)
    if isinstance(data, Mapping):
        issues += check_graph(data)
    if issues:
        return None, _spec_errors(issues)
    return definition, []


def _spec_errors(issues: list[Issue]) -> list[SpecError]:
    return [SpecError(None, None, None, format_loc(loc), message) for loc, message in issues]
