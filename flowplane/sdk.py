"""The SDK of `python` nodes: `from flowplane import sdk`, importable in every environment.

It reads `STRONGLY_SERVICES`, the services the workflow's nodes name with their secrets
resolved (see `domain.services` for the shape). Standard library only: the sandbox binds this
one file into the child process, without the rest of Flowplane.
"""

from __future__ import annotations

import json
import os
from typing import Any

ENV_VAR = "STRONGLY_SERVICES"


class ServiceNotFound(KeyError):
    """The workflow's STRONGLY_SERVICES has no service of that kind and name."""

    def __str__(self) -> str:
        return str(self.args[0])


def services() -> dict[str, Any]:
    """All of STRONGLY_SERVICES (Any: JSON); `{}` when it is not set."""
    raw = os.environ.get(ENV_VAR) or "{}"
    loaded = json.loads(raw)
    if not isinstance(loaded, dict):
        raise ValueError(f"{ENV_VAR} does not hold a JSON object")
    return loaded


def _entry(key: str, what: str, name: str) -> dict[str, Any]:
    entry = (services().get(key) or {}).get(name)
    if not isinstance(entry, dict):
        known = ", ".join(sorted(services().get(key) or {})) or "none"
        raise ServiceNotFound(f"no {what} named {name!r} in {ENV_VAR} (known: {known}); "
                              "name it on the node to make it available")
    return entry


def data_source(name: str) -> dict[str, Any]:
    """A data source's connection settings, password included (Any: JSON)."""
    return _entry("dataSources", "data source", name)


def model(name: str) -> dict[str, Any]:
    """An AI model: provider, model, baseUrl and apiKey (Any: JSON)."""
    return _entry("models", "model", name)


def add_on(name: str) -> dict[str, Any]:
    """An add-on: type, endpoint, config and credentials (Any: JSON)."""
    return _entry("addOns", "add-on", name)
