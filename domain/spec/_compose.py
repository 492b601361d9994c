"""YAML nodes to plain data, remembering where each field sits and flagging duplicate keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from domain.spec.errors import Loc

Position = tuple[int, int]
_CORE = "tag:yaml.org,2002:"
_CONSTRUCTED = {_CORE + name for name in ("int", "float", "bool", "null")}
_FITTING: dict[type[Node], set[str]] = {
    MappingNode: {_CORE + "map"},
    SequenceNode: {_CORE + "seq"},
    ScalarNode: {"!", _CORE + "str", _CORE + "merge", *_CONSTRUCTED},
}


class PositionedDocument:
    """One YAML document as plain data (Any: YAML values) with field positions, the line it
    starts on, and what composing it found wrong."""

    def __init__(self, data: Any, positions: dict[Loc, Position], line: int) -> None:
        self.data, self.positions, self.line = data, positions, line
        self.issues: list[tuple[Loc, str, Position]] = []

    def position(self, loc: Loc) -> Position:
        """Where `loc` sits, or where its closest existing parent does."""
        for end in range(len(loc), -1, -1):
            found = self.positions.get(loc[:end])
            if found is not None:
                return found
        return (self.line, 1)


class ComposedDocument(PositionedDocument):
    """A document composed from ruamel's nodes: the reference for data and positions."""

    def __init__(self, root: Node, yaml: YAML) -> None:
        super().__init__(None, {}, root.start_mark.line + 1)
        self._yaml = yaml
        self.data = self._value(root, ())

    def _value(self, node: Node, loc: Loc) -> Any:
        self.positions.setdefault(loc, _mark(node))
        tag = _tag(node)
        if tag not in _FITTING.get(type(node), {tag}):
            shown = tag.replace(_CORE, "!!")
            self.issues.append((loc, f"tag {shown} does not fit this value", _mark(node)))
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, SequenceNode):
            return [self._value(item, (*loc, i)) for i, item in enumerate(node.value)]
        if tag in _CONSTRUCTED:
            return self._scalar(node, loc, tag)
        return str(node.value)

    def _scalar(self, node: Node, loc: Loc, tag: str) -> Any:
        try:
            return self._yaml.constructor.construct_object(node, deep=True)
        except Exception:  # the constructor raises anything on e.g. `!!int ""`
            # Only an explicit tag (`!!int abc`) can get here: resolved tags always fit.
            shown = tag.replace(_CORE, "!!")
            self.issues.append((loc, f"{node.value!r} is not a valid {shown}", _mark(node)))
            return None

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first: dict[str, Position] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if _tag(key_node) == _CORE + "merge":
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode):
                self.issues.append((loc, "mapping keys must be plain strings", _mark(key_node)))
                continue
            # Keys are JSON object keys: keep their text (so `on:` is never a boolean).
            key = str(key_node.value)
            if key in first:
                message = f"duplicate key {key!r} (first at line {first[key][0]})"
                self.issues.append(((*loc, key), message, _mark(key_node)))
                continue
            first[key] = _mark(key_node)
            self.positions[(*loc, key)] = first[key]
            result[key] = self._value(value_node, (*loc, key))
        for merged in _merge_sources(merges):
            value = self._value(merged, loc)
            if isinstance(value, dict):
                for key, item in value.items():
                    result.setdefault(key, item)
            else:
                self.issues.append((loc, "<< merges only mappings", _mark(merged)))
        return result


def _merge_sources(merges: list[Node]) -> Iterator[Node]:
    for node in merges:
        yield from node.value if isinstance(node, SequenceNode) else [node]


def _tag(node: Node) -> str:
    tag = node.tag
    return tag if isinstance(tag, str) else str(getattr(tag, "value", tag))


def _mark(node: Node) -> Position:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def compose_documents(text: str) -> list[ComposedDocument]:
    """Compose every non-empty document; raises YAMLError when the text does not parse."""
    yaml = YAML(typ="safe", pure=True)
    return [ComposedDocument(root, yaml) for root in yaml.compose_all(text) if root is not None]
