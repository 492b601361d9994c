"""The plan and the per-file errors as readable tables (what `--dry-run` prints)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from domain.spec.errors import SpecError
from sync.plan import Plan

_STYLE = {"create": "green", "update": "yellow", "deploy": "cyan", "undeploy": "magenta",
          "archive": "magenta", "prune": "red", "conflict": "bold red", "skip": "dim",
          "unchanged": "dim"}


def plan_table(plan: Plan, *, show_unchanged: bool = False) -> Table:
    table = Table(title=f"plan for commit {plan.commit[:12]}", title_justify="left")
    for column in ("action", "kind", "name", "file", "reason"):
        table.add_column(column, overflow="fold")
    for action in plan.actions:
        if action.verb == "unchanged" and not show_unchanged:
            continue
        verb = action.verb + (f" ({action.target})" if action.verb == "prune" else "")
        table.add_row(Text(verb, style=_STYLE.get(action.verb, "")), action.kind, action.name,
                      action.path or "", action.reason)
    return table


def has_rows(plan: Plan) -> bool:
    return any(action.verb != "unchanged" for action in plan.actions)


def errors_table(errors: Sequence[SpecError]) -> Table:
    table = Table(title="invalid files (their objects keep their last good state)",
                  title_justify="left")
    for column in ("file", "line", "column", "field", "message"):
        table.add_column(column, overflow="fold")
    for error in errors:
        table.add_row(error.file or "", str(error.line or ""), str(error.column or ""),
                      error.field, error.message)
    return table


def summary(plan: Plan) -> str:
    counts = plan.counts()
    text = ", ".join(f"{n} {verb}" for verb, n in sorted(counts.items())) or "nothing to do"
    return f"refused: {plan.refused}" if plan.refused else text


def render(plan: Plan, errors: Sequence[SpecError], width: int = 160) -> str:
    """The dry-run report as plain text."""
    parts: list[RenderableType] = [plan_table(plan)] if has_rows(plan) else []
    if errors:
        parts.append(errors_table(errors))
    parts.append(Text(summary(plan)))
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(Group(*parts))
    return console.export_text()

