"""Scalars of the fast path as ruamel's composer and constructor make them: the YAML 1.2 tag
of an untagged scalar, then the value of an int, float, bool or null. Both are pure functions
of the scalar's text, tag and implicit flags, so the values of short ones are remembered
(resolving and constructing again was a quarter of composing)."""

from __future__ import annotations

import threading
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode

_CORE = "tag:yaml.org,2002:"
_STR, _MERGE = _CORE + "str", _CORE + "merge"
_CONSTRUCTED = frozenset(_CORE + name for name in ("int", "float", "bool", "null"))
_PLAIN = (True, False)  # the implicit flags of an untagged plain scalar
_TEXT = object()  # in _VALUES: the scalar is its own text
_CACHED_UP_TO = 64  # characters of a scalar whose value is remembered
_RESOLVER = YAML(typ="safe", pure=True).resolver
_VALUES: dict[tuple[str, str], Any] = {}  # Any: constructed values (or _TEXT)


class Unsure(Exception):
    """Something only the slow path reports exactly."""


# One ruamel constructor per thread, reused from file to file: building a loader costs more
# than composing a small file (it globs for plug-ins). It only turns int, float, bool and
# null scalars into values here, and forgets them after each one.
_local = threading.local()


def _constructor() -> Any:  # Any: ruamel's SafeConstructor
    loader: YAML | None = getattr(_local, "loader", None)
    if loader is None:
        loader = _local.loader = YAML(typ="safe", pure=True)
    return loader.constructor


def scalar_value(event: Any) -> Any:  # Any: a PyYAML event -> a YAML value
    """The value `ComposedDocument` gives this scalar; Unsure where it has a finding."""
    tag, text = event.tag, event.value
    if tag is None or tag == "!":
        # ruamel's parser flags every `!` scalar as plain; libyaml does not flag an empty one.
        implicit = _PLAIN if tag == "!" else event.implicit
        if not implicit[0]:
            return text  # quoted: resolved to str (our resolver has no path resolvers)
        if implicit == _PLAIN and len(text) <= _CACHED_UP_TO:
            key = ("", text)
            value = _VALUES.get(key, _VALUES)
            if value is _VALUES:
                value = _remember(key, _resolve_and_construct(text, implicit))
            return text if value is _TEXT else value
        value = _resolve_and_construct(text, implicit)
        return text if value is _TEXT else value
    if tag == _STR:
        return text
    if tag not in _CONSTRUCTED:
        raise Unsure(tag)  # refused by the guard, or a tag that does not fit a scalar
    value = _construct(tag, text)
    return text if value is _TEXT else value


def _resolve_and_construct(text: str, implicit: Any) -> Any:  # Any: flags; a YAML value
    tag = _RESOLVER.resolve(ScalarNode, text, implicit)
    shown = tag if isinstance(tag, str) else str(getattr(tag, "value", tag))
    if shown in (_STR, _MERGE):
        return _TEXT
    if shown not in _CONSTRUCTED:
        raise Unsure(shown)  # e.g. a plain date: !!timestamp does not fit
    return _construct(tag, text)


def _construct(tag: Any, text: str) -> Any:  # Any: ruamel's Tag or a str; a YAML value
    shown = tag if isinstance(tag, str) else str(getattr(tag, "value", tag))
    key = (shown, text)
    value = _VALUES.get(key, _VALUES)
    if value is not _VALUES:
        return value
    constructor = _constructor()
    try:
        value = constructor.construct_object(ScalarNode(tag, text), deep=True)
    except Exception:  # the constructor raises anything on e.g. `!!int abc`
        raise Unsure(text) from None
    finally:
        constructor.constructed_objects.clear()
        constructor.recursive_objects.clear()
    return _remember(key, value) if len(text) <= _CACHED_UP_TO else value


def _remember(key: tuple[str, str], value: Any) -> Any:  # Any: a YAML value (immutable)
    if len(_VALUES) >= 4096:
        _VALUES.clear()
    _VALUES[key] = value
    return value


def is_merge_key(event: Any) -> bool:  # Any: a PyYAML scalar event
    if event.value != "<<" or event.tag not in (None, "!"):
        return False
    implicit = _PLAIN if event.tag == "!" else event.implicit
    tag = _RESOLVER.resolve(ScalarNode, event.value, implicit)
    return str(getattr(tag, "value", tag)) == _MERGE
