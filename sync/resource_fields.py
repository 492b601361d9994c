"""The table columns a resource document (Environment, DataSource, AddOn, Model) sets.

Desired and live resources are compared column by column with the same column mapping the
resource services write, so a change made behind the sync's back shows as drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.resources import ADD_ON, DATA_SOURCE, ENVIRONMENT, MODEL, ResourceKind
from domain.rows import ResourceRow
from domain.spec.loader import LoadedDocument

RESOURCE_KINDS: dict[str, ResourceKind[ResourceRow]] = {
    "Environment": ENVIRONMENT, "DataSource": DATA_SOURCE, "AddOn": ADD_ON, "Model": MODEL,
}


def resource_spec(loaded: LoadedDocument) -> dict[str, Any]:
    """The camelCase spec the resource services take (Any: JSON values)."""
    spec: dict[str, Any] = loaded.document.spec.model_dump(mode="json", by_alias=True)
    return spec


def resource_fields(loaded: LoadedDocument) -> dict[str, Any]:
    """Column values for a resource document (Any: column values)."""
    return RESOURCE_KINDS[loaded.kind].columns(loaded.document.spec)


def changed_fields(desired: Mapping[str, Any], row: ResourceRow) -> list[str]:
    """Columns whose live value differs from the desired one (Any: column values)."""
    return [name for name, value in desired.items() if getattr(row, name) != value]
