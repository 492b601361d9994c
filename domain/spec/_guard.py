"""Guards over the YAML event stream, enforced before any node or object is built.

Walking parser events is lazy, so an alias bomb or a deeply nested file is rejected after
reading only as far as the offending event: memory stays flat whatever the input.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml import events as pure

# The same events from ruamel's parser or from libyaml's (PyYAML; see _fast.py).
Event = Any  # Any: an event of either library (same attributes: anchor, tag, start_mark)
DocumentStartEvent = (pure.DocumentStartEvent, yaml.DocumentStartEvent)
AliasEvent = (pure.AliasEvent, yaml.AliasEvent)
NodeEvent = (pure.NodeEvent, yaml.NodeEvent)
ScalarEvent = (pure.ScalarEvent, yaml.ScalarEvent)
CollectionStartEvent = (pure.CollectionStartEvent, yaml.CollectionStartEvent)
CollectionEndEvent = (pure.CollectionEndEvent, yaml.CollectionEndEvent)

_CORE = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(
    {"!", *(_CORE + name for name in ("str", "int", "float", "bool", "null", "map", "seq"))}
)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 1024 * 1024
    max_depth: int = 64
    max_aliases: int = 100
    # Nodes a document would have with every alias expanded (catches nested alias bombs).
    max_nodes: int = 100_000


class GuardError(Exception):
    """A guard tripped; carries the 1-based line and column of the offending event."""

    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


class _Walker:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.start_document()

    def start_document(self) -> None:
        self.sizes: dict[str, int] = {}  # anchor -> expanded node count
        self.open: list[tuple[str | None, int]] = []  # (anchor, nodes so far) per collection
        self.aliases = 0
        self.nodes = 0

    def feed(self, event: Event) -> None:
        if isinstance(event, DocumentStartEvent):
            self.start_document()
        elif isinstance(event, AliasEvent):
            self._alias(event)
        elif isinstance(event, NodeEvent):
            _check_tag(event)
            self._check_anchor(event)
            if isinstance(event, ScalarEvent):
                self._add(1, event)
            elif isinstance(event, CollectionStartEvent):
                self._start(event)
        elif isinstance(event, CollectionEndEvent):
            anchor, size = self.open.pop()
            if anchor is not None:
                self.sizes[anchor] = size
            if self.open:
                self.open[-1] = (self.open[-1][0], self.open[-1][1] + size)

    def _check_anchor(self, event: Event) -> None:
        anchor = event.anchor
        if anchor is None:
            return
        if anchor in self.sizes or any(name == anchor for name, _ in self.open):
            _fail(f"anchor &{anchor} is defined twice in one document", event)
        self.sizes[anchor] = 1  # until its collection ends and the real size is known

    def _start(self, event: Event) -> None:
        if len(self.open) >= self.limits.max_depth:
            _fail(f"nesting deeper than {self.limits.max_depth} levels", event)
        self.nodes += 1
        self._check_nodes(event)
        self.open.append((event.anchor, 1))

    def _alias(self, event: Event) -> None:
        self.aliases += 1
        if self.aliases > self.limits.max_aliases:
            _fail(f"too many aliases (>{self.limits.max_aliases}): possible alias bomb", event)
        if any(anchor == event.anchor for anchor, _ in self.open):
            _fail(f"recursive alias *{event.anchor}", event)
        self._add(self.sizes.get(str(event.anchor), 1), event)

    def _add(self, count: int, event: Event) -> None:
        self.nodes += count
        self._check_nodes(event)
        if self.open:
            self.open[-1] = (self.open[-1][0], self.open[-1][1] + count)

    def _check_nodes(self, event: Event) -> None:
        if self.nodes > self.limits.max_nodes:
            _fail(
                f"aliases expand to more than {self.limits.max_nodes} nodes: possible alias bomb",
                event,
            )


def _check_tag(event: Event) -> None:
    tag = getattr(event, "tag", None)
    if tag is None:
        return
    text = tag if isinstance(tag, str) else str(getattr(tag, "value", tag))
    if text not in ALLOWED_TAGS:
        shown = "!!" + text[len(_CORE) :] if text.startswith(_CORE) else text
        _fail(f"tag {shown} is not allowed (only plain YAML values are)", event)


def _fail(message: str, event: Event) -> None:
    mark = event.start_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    raise GuardError(message, line, column)


def check_size(text: str, limits: Limits) -> None:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise GuardError(f"file is {size} bytes, more than the limit of {limits.max_bytes}", 1, 1)


def check_events(events: Iterable[Event], limits: Limits) -> None:
    """Raise GuardError at the first event that breaks a limit."""
    walker = _Walker(limits)
    for event in events:
        walker.feed(event)


def check_stream(text: str, limits: Limits) -> None:
    """Raise GuardError when `text` breaks a limit, or YAMLError when it does not parse."""
    check_size(text, limits)
    check_events(YAML(typ="safe", pure=True).parse(text), limits)
