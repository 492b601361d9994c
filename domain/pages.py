"""Keyset pages of ordered lists, in both directions (what the API's connections ask for).

A list has an `Order` (key columns, all ascending or all descending, unique together). A
`Window` names the rows strictly after `after` and before `before` (key values, in list
order) and takes the first `size` of them, or the last `size` with `from_end`. `keyset` turns
both into SQL; `Page.of` trims the one extra row fetched to tell whether more rows lie in the
direction of travel, and puts rows fetched from the end back into list order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from domain._sql import decode, fetch

Key = tuple[Any, ...]  # Any: key column values (ints, strings, timestamps)
T = TypeVar("T")


@dataclass(frozen=True)
class Order:
    columns: tuple[str, ...]  # SQL expressions, e.g. ("e.created_at", "e.execution")
    descending: bool = False

    def key(self, row: object) -> Key:
        """The row's key, read from the columns' unqualified names (attributes of a typed row,
        keys of a mapping)."""
        names = [column.rsplit(".", 1)[-1] for column in self.columns]
        if isinstance(row, Mapping):
            return tuple(row[name] for name in names)
        return tuple(getattr(row, name) for name in names)


@dataclass(frozen=True)
class Window:
    size: int
    after: Key | None = None
    before: Key | None = None
    from_end: bool = False


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]  # typed rows (domain.rows)
    # More rows lie beyond this page in the direction it was taken (after it, or before it
    # when taken from the end).
    has_more: bool

    @classmethod
    def of(cls, rows: Sequence[T], window: Window) -> Page[T]:
        kept = list(rows[: window.size])
        if window.from_end:
            kept.reverse()
        return cls(kept, len(rows) > window.size)


def _compare(order: Order, key: Key, later: bool, args: list[Any]) -> str:
    # Rows after a key in list order are greater than it in an ascending list.
    operator = ">" if later != order.descending else "<"
    marks = []
    for value in key:
        args.append(value)
        marks.append(f"${len(args)}")
    return f"({', '.join(order.columns)}) {operator} ({', '.join(marks)})"


def keyset(order: Order, window: Window, args: list[Any]) -> tuple[str, str]:
    """(`AND ...` conditions, `ORDER BY ... LIMIT n`) for the window; the values they need
    are appended to `args`, numbered after the ones already there."""
    conditions = ""
    if window.after is not None:
        conditions += " AND " + _compare(order, window.after, True, args)
    if window.before is not None:
        conditions += " AND " + _compare(order, window.before, False, args)
    descending = order.descending != window.from_end
    direction = " DESC" if descending else ""
    args.append(window.size + 1)
    ordering = ", ".join(f"{column}{direction}" for column in order.columns)
    return conditions, f" ORDER BY {ordering} LIMIT ${len(args)}"


async def pages_by_parent(
    source: str, args: list[Any], parent: str, order: Order, window: Window,
    make: Callable[[dict[str, Any]], T] = decode,  # type: ignore[assignment]
) -> dict[int, Page[T]]:
    """One page per parent id in one statement. `source` selects the rows of the parent `p.id`
    (`$1` holds the parent ids, the first of `args`); `order` names columns of it as `t.<name>`,
    and `parent` is its column holding the parent id. `make` builds each row from its record
    (a typed row's `from_record`; by default a dict with its JSON columns decoded)."""
    ids = [int(value) for value in args[0]]
    conditions, ordering = keyset(order, window, args)
    rows = await fetch(
        "SELECT page.* FROM unnest($1::int[]) AS p(id) CROSS JOIN LATERAL ("
        f"SELECT t.* FROM ({source}) t WHERE true{conditions}{ordering}) page",
        *args,
    )
    grouped: dict[int, list[T]] = {parent_id: [] for parent_id in ids}
    for row in rows:
        grouped[int(row[parent])].append(make(row))
    return {parent_id: Page.of(found, window) for parent_id, found in grouped.items()}
