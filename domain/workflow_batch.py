"""Saving many workflows in few transactions: the sync's door for the creates and updates of a
plan. Same rules, rows, revisions, status history and events as `domain.workflows`, one
transaction per chunk of items (`CREATE_CHUNK` new ones, `CHUNK` others) instead of one per
workflow.

Each item of a chunk stands alone: an item that fails with a DomainError is rolled back to its
own savepoint and returned as its result, and the other items of the chunk commit. New
workflows are written with one statement per table (`create_workflows`); a name taken
meanwhile is that item's NameTaken. Should a chunk's multi-row insert fail otherwise, the
chunk is saved again item by item through `create_workflow` (the batch-failure rule).

Locks: a chunk locks the rows it updates up front, in id order, and holds them until it
commits; an API edit of one of them waits and then sees the new version (its stale
`expectedVersion` is a VersionConflict), and one committed before the lock is built upon.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

import asyncpg

from db.engine import engine
from domain import _workflow_store as store
from domain._sql import dumps, fetch
from domain._workflow_rules import check_name, invalid
from domain._workflow_store import GitSource
from domain.access import Actor
from domain.errors import DomainError, Forbidden, NameTaken
from domain.events import NewEvent, append_each
from domain.reference_rules import document_issues
from domain.rows import WorkflowRow
from domain.spec.definition import WorkflowDefinition
from domain.workflows import create_workflow

# Items per transaction. Each savepoint that writes takes a subtransaction id; PostgreSQL
# caches 64 per backend, beyond that every other session's snapshots get slower.
CHUNK = 50
# New workflows take one savepoint per chunk, not one each: 250 to a transaction (5 commits
# for a cold sync of 1,000 files). Only the fallback of a failed chunk has one per item.
CREATE_CHUNK = 250
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class NewWorkflow:
    """One workflow to create: the arguments of `domain.workflows.create_workflow`."""

    name: str
    definition: WorkflowDefinition
    is_public: bool = False
    shared_with: tuple[int, ...] = ()
    source: GitSource | None = None
    owner_id: int | None = None

    @cached_property
    def definition_json(self) -> dict[str, Any]:
        """`definition.to_json()`, worked out once: a create reads it three times (Any: JSON)."""
        return self.definition.to_json()


async def save_each(
    items: Sequence[T],
    save: Callable[[T], Awaitable[R]],
    *,
    lock: Callable[[Sequence[T]], Collection[int]] | None = None,
) -> list[R | DomainError]:
    """`save(item)` for every item, CHUNK per transaction, each under a savepoint: one result
    per item, its DomainError when it failed (rolled back alone). `lock(chunk)` names the
    workflow rows the chunk changes, locked first in id order."""
    results: list[R | DomainError] = []
    for start in range(0, len(items), CHUNK):
        chunk = items[start:start + CHUNK]
        async with engine().transaction():
            if lock is not None:
                await lock_workflows(lock(chunk))
            for item in chunk:
                await fetch("SAVEPOINT batch_item")
                try:
                    result: R | DomainError = await save(item)
                except DomainError as error:
                    await fetch("ROLLBACK TO SAVEPOINT batch_item")
                    result = error
                await fetch("RELEASE SAVEPOINT batch_item")
                results.append(result)
    return results


async def lock_workflows(workflow_ids: Collection[int]) -> None:
    """Lock workflow rows in id order (one order for every multi-row locker: no deadlock
    between two of them); call inside a transaction."""
    if workflow_ids:
        await fetch("SELECT id FROM workflow WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE",
                    sorted(set(workflow_ids)))


async def create_workflows(
    actor: Actor, items: Sequence[NewWorkflow]
) -> list[WorkflowRow | DomainError]:
    """`create_workflow` for each item, one result per item (the row, or why it failed)."""
    results: list[WorkflowRow | DomainError] = []
    for start in range(0, len(items), CREATE_CHUNK):
        results += await _create_chunk(actor, items[start:start + CREATE_CHUNK])
    return results


async def _create_chunk(
    actor: Actor, items: Sequence[NewWorkflow]
) -> list[WorkflowRow | DomainError]:
    checked = await _checked(actor, items)
    valid = [item for item, error in zip(items, checked, strict=True) if error is None]
    async with engine().transaction():
        await fetch("SAVEPOINT batch_chunk")
        try:
            created = await _insert_all(actor, valid)
        except asyncpg.PostgresError:
            await fetch("ROLLBACK TO SAVEPOINT batch_chunk")
            return await save_each(items, lambda item: _create_one(actor, item))
        await fetch("RELEASE SAVEPOINT batch_chunk")
    found = iter(created)
    return [next(found) if error is None else error for error in checked]


async def _create_one(actor: Actor, item: NewWorkflow) -> WorkflowRow:
    return await create_workflow(actor, item.name, item.definition, is_public=item.is_public,
                                 shared_with=item.shared_with, source=item.source,
                                 owner_id=item.owner_id)


async def _checked(actor: Actor, items: Sequence[NewWorkflow]) -> list[DomainError | None]:
    """What `create_workflow` checks before it writes, for every item at once."""
    rows = await fetch("SELECT slug FROM organization WHERE id = $1", actor.organization_id)
    slug = str(rows[0]["slug"])
    users = {user for item in items for user in (*item.shared_with, item.owner_id) if user}
    outsiders = set(await store.non_members(actor.organization_id, users))
    checked: list[DomainError | None] = []
    names: set[str] = set()
    for item in items:
        # Two items of one name: the second finds the name taken, as it would one by one.
        error = NameTaken("workflow", item.name) if item.name in names else None
        checked.append(error or _check(actor, item, slug, outsiders))
        names.add(item.name)
    return checked


def _check(actor: Actor, item: NewWorkflow, slug: str, outsiders: set[int]) -> DomainError | None:
    try:
        check_name(item.name)
    except DomainError as error:
        return error
    issues = document_issues("Workflow", {"spec": item.definition_json}, slug)
    if issues:
        loc, message = issues[0]
        return invalid(".".join(str(part) for part in loc[1:]), message)
    shared = sorted(set(item.shared_with) & outsiders)
    if shared:
        listed = ", ".join(str(user_id) for user_id in shared)
        return invalid("sharedWith", f"user {listed} is not a member of this organization")
    owner = actor.user_id if item.owner_id is None else item.owner_id
    if owner != actor.user_id and not actor.is_admin:
        return Forbidden("only an organization admin may make another user the owner")
    if owner in outsiders:
        return invalid("owner", f"user {owner} is not a member of this organization")
    return None


_INSERT_WORKFLOWS = """
INSERT INTO workflow (organization, name, description, status, version, owner, is_public,
    tags, nodes, connections, settings, trigger, deployment_settings, managed_by, source_path,
    source_commit, content_hash, created_at, updated_at)
SELECT $1, w.name, w.description, 'draft', 1, w.owner, w.is_public,
    ARRAY(SELECT jsonb_array_elements_text(w.tags)), w.nodes, w.connections, w.settings,
    w.trigger, nullif(w.deployment, 'null'::jsonb), w.managed_by, w.source_path,
    w.source_commit, w.content_hash, now(), now()
FROM jsonb_to_recordset($2::jsonb) AS w(name text, description text, owner int,
    is_public bool, tags jsonb, nodes jsonb, connections jsonb, settings jsonb, trigger jsonb,
    deployment jsonb, managed_by text, source_path text, source_commit text, content_hash text)
ON CONFLICT (organization, name) DO NOTHING
RETURNING *
"""


def _workflow_json(actor: Actor, item: NewWorkflow) -> dict[str, Any]:
    """Any: JSON values of one row of _INSERT_WORKFLOWS."""
    columns = store.definition_columns(item.definition_json)
    source = item.source
    return {
        "name": item.name, "description": columns["description"], "tags": columns["tags"],
        "owner": actor.user_id if item.owner_id is None else item.owner_id,
        "is_public": item.is_public, "nodes": columns["nodes"],
        "connections": columns["connections"], "settings": columns["settings"],
        "trigger": columns["trigger"], "deployment": columns["deployment_settings"],
        "managed_by": "api" if source is None else "git",
        "source_path": None if source is None else source.path,
        "source_commit": None if source is None else source.commit,
        "content_hash": item.definition.content_hash() if source is None
        else source.content_hash,
    }


# Row columns whose JSON is taken as written rather than decoded back from RETURNING: parsing
# 1,000 definitions again (and the garbage collections it set off) was a sixth of the CPU of a
# cold sync. (column, key in _workflow_json)
_AS_WRITTEN = (("nodes", "nodes"), ("connections", "connections"), ("settings", "settings"),
               ("trigger", "trigger"), ("deployment_settings", "deployment"))
# They are all of the row's JSON columns, so the row is built from already-decoded values.
assert {column for column, _ in _AS_WRITTEN} == set(WorkflowRow.json_columns())


def _as_written(record: dict[str, Any], written: dict[str, Any], event_seq: int) -> WorkflowRow:
    """The row of a RETURNING record (Any: its values, and the JSON it was inserted from)."""
    for column, key in _AS_WRITTEN:
        record[column] = written[key]
    record["event_seq"] = event_seq
    return WorkflowRow.from_columns(record)


async def _insert_all(
    actor: Actor, items: Sequence[NewWorkflow]
) -> list[WorkflowRow | DomainError]:
    """Insert the (checked) items: one statement per table, an event per workflow."""
    if not items:
        return []
    written = {item.name: _workflow_json(actor, item) for item in items}
    inserted = await fetch(_INSERT_WORKFLOWS, actor.organization_id, dumps([*written.values()]))
    ids = {str(record["name"]): int(record["id"]) for record in inserted}
    made = [(item, ids[item.name]) for item in items if item.name in ids]
    await _add_revisions(actor, made)
    await _add_shares(made)
    await fetch(
        "INSERT INTO workflow_status_history (workflow, from_status, to_status, reason, actor,"
        " created_at) SELECT id, NULL, 'draft', 'created', $2, now() FROM unnest($1::int[]) id",
        [workflow_id for _, workflow_id in made], actor.user_id)
    # The `workflow` event of each status history row, as `store.record_status` announces it.
    appended = await append_each("workflow", [
        (workflow_id, NewEvent("workflow", {"workflowId": workflow_id, "status": "draft",
                                            "fromStatus": None, "reason": "created"}))
        for _, workflow_id in made])
    # The append moved each row's stream cursor past RETURNING's.
    seqs = {int(ref.stream.rpartition(":")[2]): ref.seq for ref in appended}
    rows = {}
    for record in inserted:
        name = str(record["name"])
        seq = seqs.get(int(record["id"]), record["event_seq"])
        rows[name] = _as_written(record, written[name], seq)
    return [rows[item.name] if item.name in rows else NameTaken("workflow", item.name)
            for item in items]


async def _add_revisions(actor: Actor, made: Sequence[tuple[NewWorkflow, int]]) -> None:
    await fetch(
        "INSERT INTO workflow_revision (workflow, version, definition, author, source,"
        " source_commit, created_at) SELECT r.id, 1, r.definition::jsonb, $3, r.source,"
        " r.source_commit, now() FROM unnest($1::int[], $2::text[], $4::text[], $5::text[])"
        " AS r(id, definition, source, source_commit)",
        [workflow_id for _, workflow_id in made],
        [dumps(item.definition_json) for item, _ in made], actor.user_id,
        ["api" if item.source is None else "git" for item, _ in made],
        [None if item.source is None else item.source.commit for item, _ in made],
    )


async def _add_shares(made: Sequence[tuple[NewWorkflow, int]]) -> None:
    pairs = [(workflow_id, user) for item, workflow_id in made
             for user in sorted(set(item.shared_with))]
    if pairs:
        await fetch(
            'INSERT INTO workflow_share (workflow, "user", created_at)'
            " SELECT w, u, now() FROM unnest($1::int[], $2::int[]) AS s(w, u)"
            " ON CONFLICT DO NOTHING",
            [w for w, _ in pairs], [u for _, u in pairs],
        )
