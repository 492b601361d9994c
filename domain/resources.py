"""Organization resources that nodes reference: environments, data sources, add-ons and AI
gateway models. Validated by the same spec models as their YAML documents; secrets are kept
as references (`{env}`, `{file}`, `{secret: {name, key}}`), never as values.

Every member may list them; creating, changing and deleting is for organization admins.
Git-managed resources refuse API edits unless the organization allows git overrides.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import asyncpg
from pydantic import BaseModel

from db.engine import engine
from domain._sql import dumps, fetch, fetch_one
from domain._workflow_rules import check_name
from domain.access import Actor
from domain.environment_builds import announce_environment_deleted
from domain.errors import Forbidden, GitManaged, InvalidInput, NameTaken, NotFound
from domain.pages import Order, Page, Window, keyset
from domain.reference_rules import DEPRECATED, document_issues, document_refs, is_deprecated
from domain.rows import AddOnRow, DataSourceRow, EnvironmentRow, ModelRow, ResourceRow
from domain.spec._issues import Issue, validate_model
from domain.spec.errors import SpecError, format_loc
from domain.spec.model import AddOnSpec, DataSourceSpec, EnvironmentSpec, ModelSpec


def _ref(model: BaseModel | None) -> dict[str, Any] | None:
    return None if model is None else model.model_dump(mode="json", by_alias=True,
                                                       exclude_none=True)


def _environment(spec: EnvironmentSpec) -> dict[str, Any]:
    return {"image": spec.image, "dockerfile": spec.dockerfile, "base_image": spec.base_image,
            "python": _ref(spec.python), "node_types": list(spec.node_types) or None}


def _data_source(spec: DataSourceSpec) -> dict[str, Any]:
    config = {"host": spec.host, "port": spec.port, "database": spec.database,
              "user": spec.user, "options": dict(spec.options)}
    return {"type": spec.type, "config": config, "secret_ref": _ref(spec.password_ref)}


def _add_on(spec: AddOnSpec) -> dict[str, Any]:
    return {"type": spec.type, "endpoint": spec.endpoint or "", "config": dict(spec.config),
            "secret_ref": _ref(spec.credentials_ref)}


def _model(spec: ModelSpec) -> dict[str, Any]:
    return {"provider": spec.provider, "model": spec.model, "base_url": spec.base_url,
            "secret_ref": _ref(spec.api_key_ref)}


# A kind's row class (covariant: an environment's kind is a kind of resource rows).
RowT = TypeVar("RowT", bound=ResourceRow, covariant=True)
R = TypeVar("R", bound=ResourceRow)


@dataclass(frozen=True)
class ResourceKind(Generic[RowT]):
    kind: str  # the YAML document's `kind` and the GraphQL type
    label: str
    row: type[RowT]  # its table's rows
    spec: type[BaseModel]
    columns: Callable[[Any], dict[str, Any]]  # Any: an instance of `spec`

    @property
    def table(self) -> str:
        return self.row.TABLE


# The one registry of resource kinds: every place that maps a kind to its table reads it.
ENVIRONMENT = ResourceKind("Environment", "environment", EnvironmentRow, EnvironmentSpec,
                           _environment)
DATA_SOURCE = ResourceKind("DataSource", "data source", DataSourceRow, DataSourceSpec,
                           _data_source)
ADD_ON = ResourceKind("AddOn", "add-on", AddOnRow, AddOnSpec, _add_on)
MODEL = ResourceKind("Model", "model", ModelRow, ModelSpec, _model)
KINDS: tuple[ResourceKind[ResourceRow], ...] = (ENVIRONMENT, DATA_SOURCE, ADD_ON, MODEL)
TABLES = frozenset(kind.table for kind in KINDS)
BY_NAME = Order(("t.name",))
KINDS_BY_TABLE = {"environment": "Environment", "data_source": "DataSource", "add_on": "AddOn",
                  "ai_model": "Model"}
log = logging.getLogger(__name__)


async def _validated(actor: Actor, kind: ResourceKind[ResourceRow], name: str,
                     spec: Mapping[str, Any]) -> dict[str, Any]:
    """Row columns from a camelCase spec (Any: JSON input); InvalidInput lists every issue,
    including references the organization may not use (domain.reference_rules)."""
    check_name(name)
    parsed, issues = validate_model(kind.spec, dict(spec))
    if parsed is not None:
        issues = await _reference_issues(actor, kind, spec)
        parsed = None if issues else parsed
    if parsed is None:
        errors: list[object] = [
            SpecError(None, None, None, format_loc(loc), message) for loc, message in issues
        ]
        raise InvalidInput(f"the {kind.label} is not valid", errors)
    columns, json_columns = kind.columns(parsed), kind.row.json_columns()
    return {key: dumps(value) if key in json_columns else value
            for key, value in columns.items()}


async def _reference_issues(actor: Actor, kind: ResourceKind[ResourceRow],
                            spec: Mapping[str, Any]) -> list[Issue]:
    org = await fetch_one("SELECT slug FROM organization WHERE id = $1", actor.organization_id)
    assert org is not None  # the actor's organization
    document_kind = KINDS_BY_TABLE[kind.table]
    issues = document_issues(document_kind, {"spec": spec}, str(org["slug"]))
    for _, ref in document_refs(document_kind, {"spec": spec}):
        if is_deprecated(ref):
            log.warning("%s of organization %s: %s", kind.label, org["slug"], DEPRECATED)
    return [(loc[1:], message) for loc, message in issues]  # paths inside the spec


def _require_admin(actor: Actor, kind: ResourceKind[ResourceRow]) -> None:
    if not actor.is_admin:
        raise Forbidden(f"only organization admins may change a {kind.label}")


async def list_resources(actor: Actor, kind: ResourceKind[R], window: Window) -> Page[R]:
    """The organization's resources of one kind, by name."""
    args: list[Any] = [actor.organization_id]
    conditions, ordering = keyset(BY_NAME, window, args)
    rows = await fetch(f"SELECT * FROM {kind.table} t WHERE organization = $1{conditions}"
                       f"{ordering}", *args)
    return Page.of([kind.row.from_record(row) for row in rows], window)


async def count_resources(actor: Actor, kind: ResourceKind[ResourceRow]) -> int:
    row = await fetch_one(f"SELECT count(*) AS n FROM {kind.table} WHERE organization = $1",
                          actor.organization_id)
    return 0 if row is None else int(row["n"])


async def _write(sql: str, kind: ResourceKind[R], name: str, *args: Any) -> R | None:
    try:
        row = await fetch_one(sql, *args)
    except asyncpg.UniqueViolationError:
        raise NameTaken(kind.label, name) from None
    return None if row is None else kind.row.from_record(row)


async def create_resource(
    actor: Actor, kind: ResourceKind[R], name: str, spec: Mapping[str, Any]
) -> R:
    _require_admin(actor, kind)
    columns = await _validated(actor, kind, name, spec)
    names = ", ".join(columns)
    marks = ", ".join(f"${n}" for n in range(3, len(columns) + 3))
    row = await _write(
        f"INSERT INTO {kind.table} (organization, name, {names}) VALUES ($1, $2, {marks})"
        " RETURNING *",
        kind, name, actor.organization_id, name, *columns.values(),
    )
    assert row is not None  # INSERT ... RETURNING returns the row
    return row


async def _owned(actor: Actor, kind: ResourceKind[R], resource_id: int) -> R:
    """A resource of the actor's organization that the actor may change."""
    row = await fetch_one(
        f"SELECT * FROM {kind.table} WHERE id = $1 AND organization = $2 FOR UPDATE",
        resource_id, actor.organization_id,
    )
    if row is None:
        raise NotFound(f"{kind.label} {resource_id} does not exist")
    _require_admin(actor, kind)
    owned = kind.row.from_record(row)
    if owned.managed_by == "git" and not actor.is_service:
        allowed = await fetch_one(
            "SELECT allow_git_overrides FROM organization WHERE id = $1", actor.organization_id
        )
        if not (allowed and allowed["allow_git_overrides"]):
            raise GitManaged(f"{kind.label} {owned.name!r}", owned.source_path)
    return owned


async def update_resource(
    actor: Actor, kind: ResourceKind[R], resource_id: int, name: str, spec: Mapping[str, Any]
) -> R:
    """Replace a resource's name and settings (the whole spec, as a YAML apply does)."""
    columns = await _validated(actor, kind, name, spec)
    sets = ", ".join(f"{key} = ${n}" for n, key in enumerate(columns, start=3))
    async with engine().transaction():
        await _owned(actor, kind, resource_id)
        row = await _write(
            f"UPDATE {kind.table} SET name = $2, {sets}, updated_at = ${len(columns) + 3}"
            " WHERE id = $1 RETURNING *",
            kind, name, resource_id, name, *columns.values(), datetime.now(UTC),
        )
    assert row is not None  # locked above
    return row


async def delete_resource(actor: Actor, kind: ResourceKind[R], resource_id: int) -> R:
    async with engine().transaction():
        row = await _owned(actor, kind, resource_id)
        if kind is ENVIRONMENT:
            await announce_environment_deleted(resource_id)
        await fetch(f"DELETE FROM {kind.table} WHERE id = $1", resource_id)
    return row

