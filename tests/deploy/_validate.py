"""Strict validation against the official Kubernetes schemas (kubernetes-validate, offline)."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
from cloudcoil.models.keda import v1alpha1

K8S_VERSION = "1.35"  # recent, inside kr8s' supported range and kubernetes-validate's schemas


def assert_valid(obj: dict[str, Any]) -> None:
    """Raise with the field path when `obj` is not a valid object (unknown fields included);
    KEDA's objects against its CRD models (cloudcoil-models-keda)."""
    if obj.get("apiVersion") == "keda.sh/v1alpha1":
        assert_valid_keda(obj)
        return
    try:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        where = ".".join(str(part) for part in error.path)
        name = obj.get("metadata", {}).get("name")
        raise AssertionError(f"{obj['kind']}/{name}: {where}: {error.message}") from error


def assert_valid_keda(obj: dict[str, Any]) -> None:
    """The CRD models drop what they do not know: a round trip that loses nothing means no
    unknown or misspelt field, and each field has its type."""
    model = getattr(v1alpha1, obj["kind"]).model_validate(obj)
    assert model.model_dump(by_alias=True, exclude_none=True, mode="json") == obj, obj
