"""`flowplane export`: the database's workflows as YAML documents of the declarative format.

A workflow already declared in a file below the output folder is updated in place with
ruamel's round-trip mode: comments, key order and scalar styles of unchanged values stay, keys
already written keep being written, and new keys appear only when they differ from their
default. Other workflows get a new `<name>.yaml`.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from domain.organizations import SYNC_PRINCIPAL_PREFIX, organization_by_slug
from domain.spec.definition import validate_definition
from sync._merge import merge
from sync.live import LiveState, LiveWorkflow, load_live

_SUFFIXES = (".yaml", ".yml")


def _yaml() -> YAML:
    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


@dataclass
class _File:
    documents: list[Any]  # Any: round-trip nodes (CommentedMap and friends)
    text: str
    index: dict[tuple[str, str], int] = field(default_factory=dict)


def _clean(value: Any) -> Any:
    """JSON without null values (Any: JSON values)."""
    if isinstance(value, Mapping):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def workflow_documents(slug: str, workflow: LiveWorkflow) -> tuple[dict[str, Any], dict[str, Any]]:
    """(every field, only the non-default fields) of a workflow document (Any: JSON values)."""
    row = workflow.row
    stored = workflow.definition()
    definition, _ = validate_definition(stored)
    full = _clean(stored if definition is None else definition.to_json())
    minimal = full if definition is None else _clean(
        definition.model_dump(mode="json", by_alias=True, exclude_defaults=True))
    meta_full = {"name": row.name, "organization": slug, "owner": workflow.owner,
                 "description": full.get("description", ""), "tags": full.get("tags", []),
                 "sharedWith": sorted(workflow.shared_with), "public": row.is_public}
    if workflow.owner.startswith(SYNC_PRINCIPAL_PREFIX):  # created by sync: no person owns it
        del meta_full["owner"]
    meta_min = {k: v for k, v in meta_full.items() if v not in ("", [], False)}
    spec_keys = ("trigger", "settings", "deployment", "nodes", "connections")

    def document(meta: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
        spec = {"state": row.status, **{k: source[k] for k in spec_keys if k in source}}
        return {"apiVersion": "flowplane/v1", "kind": "Workflow", "metadata": meta, "spec": spec}

    return document(meta_full, full), document(meta_min, minimal)


def _read_existing(out: Path) -> dict[Path, _File]:
    files: dict[Path, _File] = {}
    for path in sorted(p for p in out.rglob("*") if p.suffix in _SUFFIXES and p.is_file()):
        text = path.read_text()
        try:
            documents = list(_yaml().load_all(text))
        except Exception:  # an unreadable file is left alone; its workflows get new files
            continue
        found = _File(documents, text)
        for number, doc in enumerate(documents):
            if isinstance(doc, Mapping) and isinstance(doc.get("metadata"), Mapping):
                found.index[(str(doc.get("kind")), str(doc["metadata"].get("name")))] = number
        files[path] = found
    return files


def _dump(documents: list[Any]) -> str:
    stream = io.StringIO()
    _yaml().dump_all(documents, stream)
    return stream.getvalue()


async def export_workflows(slug: str, out: Path) -> list[Path]:
    """Write every workflow of organization `slug` below `out`; the paths written."""
    organization = await organization_by_slug(slug)
    live = await load_live(organization.id)
    return await asyncio.to_thread(write_workflows, slug, live, out)


def write_workflows(slug: str, live: LiveState, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = _read_existing(out)
    where = {key: path for path, f in files.items() for key in f.index}
    for name in sorted(live.workflows):
        full, minimal = workflow_documents(slug, live.workflows[name])
        path = where.get(("Workflow", name))
        if path is None:
            path = out / f"{name}.yaml"
            files[path] = _File([minimal], "")
            continue
        existing = files[path]
        merge(existing.documents[existing.index[("Workflow", name)]], full, minimal)
    written = []
    for path, found in files.items():
        text = _dump(found.documents)
        if text != found.text:
            path.write_text(text)
            written.append(path)
    return written
