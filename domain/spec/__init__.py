"""The declarative workflow spec: typed documents, YAML loading with guards, validation.

Owns the document models (Workflow, Environment, DataSource, AddOn, Model), the versioned
`WorkflowDefinition`, DAG helpers, Kubernetes quantity parsing and the JSON Schema.
Pure code: may import `domain.node_types` and third-party parsing libraries, never `db`,
`deploy` or any entry-point package.
"""

from domain.spec.definition import (
    MAX_DEFINITION_BYTES,
    WorkflowDefinition,
    validate_definition,
)
from domain.spec.errors import SpecError
from domain.spec.loader import LoadedDocument, LoadResult, load_path, load_text

__all__ = [
    "MAX_DEFINITION_BYTES",
    "LoadResult",
    "LoadedDocument",
    "SpecError",
    "WorkflowDefinition",
    "load_path",
    "load_text",
    "validate_definition",
]
