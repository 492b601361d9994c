"""The fast path of the loader: positioned data composed straight from libyaml's events
(PyYAML's C parser), with the size, alias and depth guards folded into the same pass.

It builds exactly what `ComposedDocument` builds from ruamel's nodes (plain scalars resolved
by ruamel's YAML 1.2 resolver and constructor, an alias re-read from its anchor's events, `<<`
merged after a mapping's own keys), without nodes in between. It answers only where it is
sure to agree, and only for files without findings: any parse error, finding (duplicate key,
unfitting tag...), guard that might trip, or text in `_DECLINED` returns None, and the caller
takes the slow path, whose messages and positions are the reference.

The guards count what this pass walks, which is never less than what `_guard` counts: an
alias is walked again each time it is used (so aliases inside an alias count again, and its
nodes count at every use, as `_guard` sizes it), and a node is walked at least as deep as it
is written. So whatever `_guard` would refuse, this pass declines, and memory stays bounded
by the limits whatever the input.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from domain.spec._compose import Position, PositionedDocument
from domain.spec._guard import ALLOWED_TAGS, GuardError, Limits, check_size
from domain.spec._scalars import Unsure, is_merge_key, scalar_value
from domain.spec.errors import Loc

AVAILABLE = bool(getattr(yaml, "__with_libyaml__", False))
if AVAILABLE:
    from yaml import _yaml as _libyaml

# Where the two parsers are known to differ (found by tests/domain/test_spec_fast_path.py):
# YAML version directives; tabs (libyaml takes a tab after a plain scalar that ruamel
# refuses); `...` markers; a `---` marker after the first line of a file with a block
# scalar (libyaml ends the scalar there, ruamel keeps the marker as text); NEL, LS and PS,
# line breaks to libyaml (YAML 1.1) and not to ruamel (1.2).
_DECLINED = ("%YAML", "\t", "\n...", "\x85", "\u2028", "\u2029")
# A tag written right before a flow indicator (`[!!str, x]`): ruamel takes the indicator into
# the tag (which the guard then refuses), libyaml ends the tag there.
_TAG_THEN_FLOW = re.compile(r"![^\s,\[\]{}]*[,\[\]{}]")
# An anchor or alias name followed by one of these: libyaml ends the name there (its names are
# letters, digits, `_` and `-`), ruamel reads on (`&x:` is the anchor `x:` to it).
_NAME_THEN_MARK = re.compile(r"[&*][0-9A-Za-z_-]+[?:%@`]")

_CORE = "tag:yaml.org,2002:"
_MAP, _SEQ = _CORE + "map", _CORE + "seq"

ScalarEvent = yaml.ScalarEvent
AliasEvent = yaml.AliasEvent
SequenceStartEvent = yaml.SequenceStartEvent
MappingStartEvent = yaml.MappingStartEvent
SequenceEndEvent = yaml.SequenceEndEvent
MappingEndEvent = yaml.MappingEndEvent
CollectionStartEvent = yaml.CollectionStartEvent
CollectionEndEvent = yaml.CollectionEndEvent
DocumentStartEvent = yaml.DocumentStartEvent


def _declined(text: str) -> bool:
    """Whether `text` has something the two parsers are known to read differently."""
    return (
        any(sign in text for sign in _DECLINED)
        or ("\n---" in text and ("|" in text or ">" in text))  # a marker and a block scalar
        or ("!" in text and _TAG_THEN_FLOW.search(text) is not None)
        or (("&" in text or "*" in text) and _NAME_THEN_MARK.search(text) is not None)
        or text.find("\ufeff", 1) != -1  # a byte order mark after the start: ruamel refuses it
    )


def compose_fast(text: str, limits: Limits) -> list[PositionedDocument] | None:
    """The documents of `text` through libyaml, or None where only the slow path can say."""
    if not AVAILABLE or _declined(text):
        return None
    try:
        check_size(text, limits)
        return _Builder(_events(text), limits).documents()
    except (yaml.YAMLError, GuardError, Unsure, UnicodeEncodeError):  # lone surrogates
        return None


def _events(text: str) -> list[Any]:  # Any: PyYAML events
    parser = _libyaml.CParser(text)
    try:
        events = []
        while parser.check_event():
            events.append(parser.get_event())
        return events
    finally:
        parser.dispose()


def _mark(event: Any) -> Position:  # Any: a PyYAML event
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1)


class _Builder:
    """Recursive descent over one stream's events, `self.i` the event being read."""

    def __init__(self, events: list[Any], limits: Limits) -> None:  # Any: PyYAML events
        self.events = events
        self.limits = limits
        self.i = 0

    def documents(self) -> list[PositionedDocument]:
        documents = []
        events = self.events
        self.i = 1  # after the stream start
        while type(events[self.i]) is DocumentStartEvent:
            self.i += 1
            self.anchors: dict[str, int] = {}  # name -> index of its node's event
            self.closed: set[str] = set()  # anchors whose node has ended
            self.aliases = self.nodes = 0
            root = events[self.i]
            if type(root) is ScalarEvent and root.style in ("|", ">"):
                # A block scalar as the document itself: its content may start in column 0,
                # where libyaml takes a `#` line for a comment and ruamel for content.
                raise Unsure("a block scalar document")
            line = _mark(root)[0]
            self.positions: dict[Loc, Position] = {}
            data = self._node((), 0)
            documents.append(PositionedDocument(data, self.positions, line))
            self.i += 1  # the document end
        return documents

    def _node(self, loc: Loc, depth: int) -> Any:  # Any: a YAML value
        event = self.events[self.i]
        kind = type(event)
        if kind is AliasEvent:
            return self._alias(event, loc, depth)
        mark = event.start_mark
        self.positions.setdefault(loc, (mark.line + 1, mark.column + 1))
        self._count(event)
        if kind is ScalarEvent:
            self.i += 1
            return scalar_value(event)
        if event.tag not in (None, "!", _SEQ if kind is SequenceStartEvent else _MAP):
            raise Unsure(event.tag)
        if depth >= self.limits.max_depth:
            raise Unsure("depth")
        self.i += 1
        value: Any = (
            self._sequence(loc, depth + 1) if kind is SequenceStartEvent
            else self._mapping(loc, depth + 1)
        )
        if event.anchor is not None:
            self.closed.add(event.anchor)
        return value

    def _count(self, event: Any, nodes: int = 1) -> None:  # Any: a PyYAML node event
        """The guard's checks of one node event, each time it is read (`nodes` 0: read
        past, counted when read again)."""
        self.nodes += nodes
        if self.nodes > self.limits.max_nodes:
            raise Unsure("nodes")
        tag, anchor = event.tag, event.anchor
        if tag is not None and tag not in ALLOWED_TAGS:
            raise Unsure(tag)
        if anchor is not None:
            if self.anchors.setdefault(anchor, self.i) != self.i:
                raise Unsure(anchor)  # defined twice in one document
            if type(event) is ScalarEvent:
                self.closed.add(anchor)

    def _alias(self, event: Any, loc: Loc, depth: int) -> Any:  # Any: event; YAML value
        """The anchor's node read again at `loc`, as ruamel's shared node is walked again."""
        self._count_alias(event)
        back = self.i
        self.i = self.anchors[event.anchor]
        value = self._node(loc, depth)
        self.i = back + 1
        return value

    def _count_alias(self, event: Any) -> None:  # Any: a PyYAML alias event
        self.aliases += 1
        if self.aliases > self.limits.max_aliases or event.anchor not in self.closed:
            raise Unsure(event.anchor)  # too many, unknown, or recursive

    def _sequence(self, loc: Loc, depth: int) -> list[Any]:  # Any: YAML values
        events, items = self.events, list[Any]()
        while type(events[self.i]) is not SequenceEndEvent:
            items.append(self._node((*loc, len(items)), depth))
        self.i += 1
        return items

    def _mapping(self, loc: Loc, depth: int) -> dict[str, Any]:  # Any: YAML values
        events, positions = self.events, self.positions
        result: dict[str, Any] = {}
        merges: list[int] = []
        while type(key := events[self.i]) is not MappingEndEvent:
            if type(key) is not ScalarEvent:
                raise Unsure("key")  # a collection, or an alias: only the slow path says
            self._count(key)
            self.i += 1
            # Keys are JSON object keys: keep their text (so `on:` is never a boolean).
            text = key.value
            if text == "<<" and is_merge_key(key):
                merges.append(self.i)
                self._skip()
                continue
            if text in result:
                raise Unsure("duplicate key")
            here = (*loc, text)
            mark: Any = key.start_mark  # Any: a libyaml Mark (never None here)
            positions[here] = (mark.line + 1, mark.column + 1)
            result[text] = self._node(here, depth)
        self.i += 1
        for start in merges:
            self._merge(start, result, loc, depth)
        return result

    def _merge(self, start: int, result: dict[str, Any], loc: Loc, depth: int) -> None:
        """`<<: source` or `<<: [sources]`, each merged into `result` at `loc`."""
        back, events = self.i, self.events
        self.i = start
        if type(events[start]) is AliasEvent:
            self._count_alias(events[start])
            self.i = self.anchors[events[start].anchor]
        event = events[self.i]
        if type(event) is SequenceStartEvent:
            self._count(event)
            if event.tag not in (None, "!", _SEQ) or depth >= self.limits.max_depth:
                raise Unsure("merge")
            self.i += 1
            while type(events[self.i]) is not SequenceEndEvent:
                self._merge_one(self._node(loc, depth + 1), result)
        else:
            self._merge_one(self._node(loc, depth), result)
        self.i = back

    @staticmethod
    def _merge_one(value: Any, result: dict[str, Any]) -> None:  # Any: YAML values
        if not isinstance(value, dict):
            raise Unsure("<<")  # merges only mappings
        for key, item in value.items():
            result.setdefault(key, item)

    def _skip(self) -> None:
        """Read past one node (a merge's source, merged once the mapping's keys are done),
        registering its anchors and counting its aliases as the guard would."""
        events, open_anchors = self.events, []
        while True:
            event = events[self.i]
            kind = type(event)
            if kind is AliasEvent:
                self._count_alias(event)
            elif kind is ScalarEvent or isinstance(event, CollectionStartEvent):
                self._count(event, nodes=0)
                if kind is not ScalarEvent:
                    open_anchors.append(event.anchor)
            elif isinstance(event, CollectionEndEvent):
                anchor = open_anchors.pop()
                if anchor is not None:
                    self.closed.add(anchor)
            self.i += 1
            if not open_anchors:
                return
