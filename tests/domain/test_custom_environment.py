"""docs/environments.md lists exactly the packages of the `custom` environment: Flowplane's
runtime requirements and everything they require in turn, as installed here."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

DOC = Path(__file__).parents[2] / "docs" / "environments.md"


def runtime_closure(root: str) -> set[str]:
    """The installed distributions `root` requires, with the extras it asks for, transitively
    (markers evaluated for this interpreter; test and lint extras are not followed)."""
    extras_seen: dict[str, set[str]] = {}
    todo: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    while todo:
        name, extras = todo.pop()
        key = canonicalize_name(name)
        if key in extras_seen and extras <= extras_seen[key]:
            continue
        extras_seen.setdefault(key, set()).update(extras)
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:  # required only under a marker that did not hold
            continue
        wanted = [{"extra": e} for e in (*extras_seen[key], "")]
        for line in requires:
            req = Requirement(line)
            if req.marker is None or any(req.marker.evaluate(env) for env in wanted):
                todo.append((req.name, frozenset(req.extras)))
    return {k for k in extras_seen if _installed(k)} - {canonicalize_name(root)}


def _installed(name: str) -> bool:
    try:
        distribution(name)
    except PackageNotFoundError:
        return False
    return True


def documented() -> set[str]:
    text = DOC.read_text()
    listed = text[text.index("<!-- custom-packages -->"):text.index("<!-- /custom-packages -->")]
    return {canonicalize_name(n) for n in re.findall(r"`([A-Za-z0-9._-]+)`", listed)}


def test_the_custom_environment_packages_are_documented_exactly() -> None:
    closure = runtime_closure("flowplane")
    assert "strawberry-graphql" in closure and "pytest" not in closure
    assert documented() == closure, (
        f"missing from docs/environments.md: {sorted(closure - documented())}; "
        f"listed but not installed: {sorted(documented() - closure)}")
