"""What a run writes beside its plan: per-file results and each workflow's sync status.

Statuses (workflow.sync_status): synced, failed (an action on it failed), error (its file is
invalid; it keeps its last good state), conflict (a same-named API workflow), orphaned (its
file was removed and prune is off), pruned (archived because its file was removed).
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.spec.errors import SpecError
from domain.sync_runs import FileResult
from sync.actions import Action
from sync.apply import ActionResult
from sync.plan import Plan

_FOR_VERB = {"conflict": "conflict", "unchanged": "synced"}


def file_results(
    plan: Plan | None, results: Sequence[ActionResult], errors: Sequence[SpecError]
) -> list[FileResult]:
    """One entry per invalid document, change, conflict and skip (unchanged ones are counted,
    not listed, so a no-op resync of a large repository writes almost nothing)."""
    found = [
        FileResult(e.file or "", "invalid", "failed", error=f"{e.field}: {e.message}"
                   if e.field else e.message, line=e.line, column=e.column)
        for e in errors
    ]
    found += [
        FileResult(r.action.path or "", r.action.verb, r.status, r.action.kind, r.action.name,
                   r.error)
        for r in results
    ]
    if plan is not None:
        found += [
            FileResult(a.path or "", a.verb, "skipped", a.kind, a.name, a.reason)
            for a in plan.actions if a.verb in ("conflict", "skip")
        ]
    return found


def sync_statuses(
    plan: Plan, results: Sequence[ActionResult], errors: Sequence[SpecError]
) -> list[tuple[int, str, str | None]]:
    """(workflow id, sync status, sync error) for every workflow the plan touched."""
    first_error: dict[str | None, str] = {}
    for error in reversed(errors):
        first_error[error.file] = str(error)
    statuses: dict[int, tuple[str, str | None]] = {}
    for action in plan.actions:
        if action.kind == "Workflow" and action.object_id is not None:
            planned = _planned(action, first_error)
            if planned is not None:
                statuses[action.object_id] = planned
    for result in results:
        wid = result.object_id
        if result.action.kind == "Workflow" and wid is not None and (
            statuses.get(wid, ("",))[0] != "failed"
        ):
            statuses[wid] = _applied(result)
    deleted = {r.object_id for r in results if r.action.target == "delete" and r.status == "ok"}
    return [(wid, s, e) for wid, (s, e) in statuses.items() if wid not in deleted]


def _planned(action: Action, first_error: dict[str | None, str]) -> tuple[str, str | None] | None:
    if action.verb == "skip":
        if "--prune off" in action.reason:
            return ("orphaned", action.reason)
        return ("error", first_error.get(action.path, action.reason))
    if action.verb == "conflict":
        return ("conflict", action.reason)
    if action.verb == "unchanged":
        return ("synced", None)
    return None


def _applied(result: ActionResult) -> tuple[str, str | None]:
    if result.status == "failed":
        return ("failed", result.error)
    if result.action.verb == "prune" and result.action.target == "archive":
        return ("pruned", result.action.reason)
    return ("synced", None)
