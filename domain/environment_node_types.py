"""Which node types an environment's workers can run, and the deploy check that uses it.

The API validates a workflow against the platform's own registry (`domain.node_types`), but
on Kubernetes the workers run the environment's image, which may lack a plugin the platform
has. Nothing inspects an image, so what it provides beyond the built-ins is declared: the
operator names the plugins baked into the base image (`FLOWPLANE_BASE_IMAGE_NODE_TYPES`),
which `custom` and environments of python packages on it provide; an environment's own
`nodeTypes` name what its image or packages add. Without a cluster the workers are processes
of this very interpreter, so they provide every registered type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from domain._sql import fetch_one
from domain.node_types import BUILTIN_NODE_TYPES
from domain.rows import EnvironmentRow
from domain.settings import get_settings

BUILTIN = frozenset(t.name for t in BUILTIN_NODE_TYPES)
CUSTOM = "custom"


def base_image_node_types() -> frozenset[str]:
    raw = get_settings().base_image_node_types
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


def provided_node_types(row: EnvironmentRow | None) -> frozenset[str] | None:
    """The types the workers of an environment row (None: `custom`) run; None when they run
    every registered type (no cluster)."""
    if not get_settings().kubeconfig:
        return None
    if row is None:
        return BUILTIN | base_image_node_types()
    declared = frozenset(row.node_types or [])
    on_base = row.python is not None and not row.base_image
    return BUILTIN | declared | (base_image_node_types() if on_base else frozenset())


async def node_type_problems(
    organization_id: int, environment: str, nodes: Iterable[Mapping[str, Any]]
) -> list[str]:
    """One message per node whose type the environment does not provide (Any: node JSON)."""
    if not get_settings().kubeconfig:  # no query: local workers run every type
        return []
    row = None
    if environment != CUSTOM:
        record = await fetch_one("SELECT * FROM environment WHERE organization = $1 AND name = $2",
                                 organization_id, environment)
        if record is None:  # reported as a missing environment
            return []
        row = EnvironmentRow.from_record(record)
    provided = provided_node_types(row)
    assert provided is not None  # a cluster is configured
    extra = sorted(provided - BUILTIN)
    offers = "only the built-in types" + (f" and {', '.join(extra)}" if extra else "")
    where = ("FLOWPLANE_BASE_IMAGE_NODE_TYPES (the operator's)" if row is None
             else "the environment's nodeTypes")
    return [f"node {node['id']!r} has type {node['type']!r}, which environment "
            f"{environment!r} does not provide (it provides {offers}): install the plugin "
            f"in its image and name the type in {where}"
            for node in nodes if node["type"] not in provided]
