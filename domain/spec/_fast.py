"""The fast path of the loader: libyaml's C parser (through PyYAML) instead of ruamel's pure
Python one, which spent ~90 % of a sync's parsing time reading each file twice.

libyaml gives the same events with the same marks; this module composes them into ruamel
nodes, resolving plain scalars with ruamel's YAML 1.2 resolver, so `ComposedDocument` sees
what the slow path would have built. It answers only where it is sure to agree: any parse
error, tripped guard, unknown alias or text in `_DECLINED` returns None and the caller takes
the slow path, whose messages and positions are the reference.
"""

from __future__ import annotations

import threading
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from domain.spec._compose import ComposedDocument
from domain.spec._guard import GuardError, Limits, check_events, check_size

AVAILABLE = bool(getattr(yaml, "__with_libyaml__", False))


# Where the two parsers are known to differ (found by tests/domain/test_spec_fast_path.py):
# YAML version directives; tabs (libyaml takes a tab after a plain scalar that ruamel
# refuses); `...` markers; a `---` marker after the first line of a file with a block
# scalar (libyaml ends the scalar there, ruamel keeps the marker as text).
_DECLINED = ("%YAML", "\t", "\n...")


def _block_and_marker(text: str) -> bool:
    return "\n---" in text and ("|" in text or ">" in text)


class _Unsure(Exception):
    """Something only the slow path reports exactly."""


# One ruamel loader per thread, reused from file to file: building one costs more than
# composing a small file (it globs for plug-ins). Its constructor only turns scalars into
# values here, and forgets them after each file.
_local = threading.local()
_RESOLVER = YAML(typ="safe", pure=True).resolver
_CACHED_UP_TO = 64  # characters of a plain scalar whose resolved tag is remembered


def _loader() -> YAML:
    loader: YAML | None = getattr(_local, "loader", None)
    if loader is None:
        loader = _local.loader = YAML(typ="safe", pure=True)
    return loader


def compose_fast(text: str, limits: Limits) -> list[ComposedDocument] | None:
    """The documents of `text` through libyaml, or None where only the slow path can say."""
    if not AVAILABLE or any(sign in text for sign in _DECLINED) or _block_and_marker(text):
        return None
    loader = _loader()
    try:
        check_size(text, limits)
        events = list(yaml.parse(text, Loader=yaml.CSafeLoader))
        check_events(events, limits)
        roots = _Composer().compose(events)
        return [ComposedDocument(root, loader) for root in roots]
    except (yaml.YAMLError, GuardError, _Unsure):
        return None
    finally:
        loader.constructor.constructed_objects.clear()
        loader.constructor.recursive_objects.clear()


_TAGS: dict[tuple[str, str | None, Any], Any] = {}  # Any: implicit flags; ruamel's Tag


def _resolved(kind: type[Node], value: str | None, implicit: Any) -> Any:
    """The YAML 1.2 tag of an untagged node (the fast path declines %YAML directives): a pure
    function of its kind, text and implicit flags, and a quarter of composing when redone."""
    key = (kind.__name__, value, implicit)
    tag = _TAGS.get(key)
    if tag is None:
        if len(_TAGS) >= 4096:
            _TAGS.clear()
        tag = _TAGS[key] = _RESOLVER.resolve(kind, value, implicit)
    return tag


class _Composer:
    """Events to nodes, as ruamel's composer builds them (tags resolved the same way)."""

    def __init__(self) -> None:
        self.roots: list[Node] = []
        self.anchors: dict[str, Node] = {}
        # Open collections; for a mapping, the key waiting for its value.
        self.open: list[tuple[Node, list[Node]]] = []

    def compose(self, events: list[Any]) -> list[Node]:  # Any: PyYAML events
        for event in events:
            self._feed(event)
        return self.roots

    def _feed(self, event: Any) -> None:  # Any: a PyYAML event
        if isinstance(event, yaml.DocumentStartEvent):
            self.anchors = {}
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                raise _Unsure(event.anchor)
            self._add(self.anchors[event.anchor])
        elif isinstance(event, yaml.ScalarEvent):
            tag = self._tag(ScalarNode, event.tag, event.value, event.implicit)
            self._start(ScalarNode(tag, event.value, event.start_mark, event.end_mark,
                                   style=event.style, anchor=event.anchor), event.anchor)
        elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            kind = SequenceNode if isinstance(event, yaml.SequenceStartEvent) else MappingNode
            tag = self._tag(kind, event.tag, None, event.implicit)
            node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style,
                        anchor=event.anchor)
            self._start(node, event.anchor)
            self.open.append((node, []))
        elif isinstance(event, yaml.CollectionEndEvent):
            closed, _ = self.open.pop()
            closed.end_mark = event.end_mark

    def _tag(self, kind: type[Node], tag: str | None, value: str | None, implicit: Any) -> Any:
        if tag is not None and tag != "!":
            return tag
        if value is None or len(value) <= _CACHED_UP_TO:
            return _resolved(kind, value, implicit)
        return _RESOLVER.resolve(kind, value, implicit)

    def _start(self, node: Node, anchor: str | None) -> None:
        if anchor is not None:
            self.anchors[anchor] = node
        self._add(node)

    def _add(self, node: Node) -> None:
        if not self.open:
            self.roots.append(node)
            return
        parent, pending = self.open[-1]
        if isinstance(parent, SequenceNode):
            parent.value.append(node)
        elif pending:
            parent.value.append((pending.pop(), node))
        else:
            pending.append(node)
