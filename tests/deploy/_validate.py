"""Strict validation against the official Kubernetes schemas (kubernetes-validate, offline)."""

from __future__ import annotations

from typing import Any

import kubernetes_validate

K8S_VERSION = "1.35"  # recent, inside kr8s' supported range and kubernetes-validate's schemas


def assert_valid(obj: dict[str, Any]) -> None:
    """Raise with the field path when `obj` is not a valid object (unknown fields included)."""
    try:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        where = ".".join(str(part) for part in error.path)
        name = obj.get("metadata", {}).get("name")
        raise AssertionError(f"{obj['kind']}/{name}: {where}: {error.message}") from error
