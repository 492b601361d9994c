"""One validation finding, located by file, line, column and field path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# A field path as a tuple: ("spec", "nodes", 2, "type") -> "spec.nodes[2].type".
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class SpecError:
    file: str | None
    line: int | None
    column: int | None
    field: str
    message: str

    def __str__(self) -> str:
        place = ":".join(
            str(part) for part in (self.file, self.line, self.column) if part is not None
        )
        parts = [p for p in (place, self.field) if p]
        parts.append(self.message)
        return ": ".join(parts)


def format_loc(loc: Sequence[str | int]) -> str:
    """Render a location tuple as a dotted/indexed field path."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out
