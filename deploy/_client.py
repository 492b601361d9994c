"""HTTP requests to the Kubernetes API through kr8s, with failures mapped to DeployError.

We call `Api.call_api` with `raise_for_status=False` so that a 403 is not retried with
re-authentication three times (kr8s' default) and every status maps to one error here.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from kr8s import APITimeoutError
from kr8s.asyncio import Api

from deploy.errors import DeployError, PermanentDeployError, TemporaryDeployError

Obj = dict[str, Any]  # Any: Kubernetes objects are free-form JSON

# kind -> (apiVersion, plural, namespaced): the only kinds the provisioner touches.
RESOURCES: dict[str, tuple[str, str, bool]] = {
    "Namespace": ("v1", "namespaces", False),
    "Secret": ("v1", "secrets", True),
    "Pod": ("v1", "pods", True),
    "Deployment": ("apps/v1", "deployments", True),
    "ReplicaSet": ("apps/v1", "replicasets", True),
    "ConfigMap": ("v1", "configmaps", True),  # environment builds (deploy/builds.py)
    "Job": ("batch/v1", "jobs", True),
    "NetworkPolicy": ("networking.k8s.io/v1", "networkpolicies", True),  # org namespaces
    "ScaledObject": ("keda.sh/v1alpha1", "scaledobjects", True),  # KEDA's CRD: may be absent
}
APPLY_CONTENT_TYPE = "application/apply-patch+yaml"  # JSON is YAML: we send JSON


def error_for(status: int, body: str, doing: str, *, retry_after: float = 5.0) -> DeployError:
    """The DeployError for an HTTP error status of the API server."""
    try:
        message = str(json.loads(body).get("message") or body)
    except (ValueError, AttributeError):
        message = body.strip() or f"HTTP {status}"
    text = f"{doing}: {message}"
    if status == 403 and "exceeded quota" in message:
        return PermanentDeployError("QuotaExceeded", text)
    permanent = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
                 400: "Invalid", 422: "Invalid"}
    if status in permanent:
        return PermanentDeployError(permanent[status], text)
    if status == 429:
        return TemporaryDeployError("TooManyRequests", text, delay=retry_after)
    if status >= 500:
        return TemporaryDeployError("ServerError", f"{text} (HTTP {status})")
    return PermanentDeployError("ClientError", f"{text} (HTTP {status})")


class KubeClient:
    """The few verbs the provisioner needs, addressed by kind, namespace and name."""

    def __init__(self, api: Api, field_manager: str) -> None:
        self._api = api
        self._field_manager = field_manager

    async def apply(self, obj: Obj) -> bool:
        """Server-side apply (force: Flowplane owns these fields); True when it was created."""
        meta = obj["metadata"]
        response = await self._request(
            "PATCH", obj["kind"], meta.get("namespace"), meta["name"],
            params={"fieldManager": self._field_manager, "force": "true"},
            content=json.dumps(obj), headers={"Content-Type": APPLY_CONTENT_TYPE},
        )
        return response.status_code == 201

    async def serves(self, kind: str) -> bool:
        """Whether the cluster has the resource of `kind` (a CRD such as KEDA's may not be
        installed): its group version's discovery document lists it."""
        version, plural, _ = RESOURCES[kind]
        doing = f"GET /apis/{version} (is {kind} installed?)"
        try:
            async with self._api.call_api("GET", version=version, url="",
                                          raise_for_status=False) as response:
                await response.aread()
        except (httpx.TransportError, APITimeoutError, OSError) as error:
            raise TemporaryDeployError("Unreachable", f"{doing}: {error!r}") from error
        if response.status_code == 404:
            return False
        if not response.is_success:
            raise error_for(response.status_code, response.text, doing)
        return any(item.get("name") == plural for item in _json(response).get("resources") or [])

    async def get(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        response = await self._request("GET", kind, namespace, name, missing_ok=True)
        return None if response.status_code == 404 else _json(response)

    async def list(self, kind: str, namespace: str, selector: str) -> list[Obj]:
        params = {"labelSelector": selector}
        response = await self._request("GET", kind, namespace, "", params=params)
        items = _json(response).get("items") or []
        return [dict(item) for item in items]

    async def watch(self, kind: str, selector: str) -> AsyncIterator[Obj]:
        """Objects of `kind` in every namespace as they change; a watch without a resource
        version starts with every current object. Ends when the server closes the stream."""
        version, plural, _ = RESOURCES[kind]
        params = {"watch": "true", "labelSelector": selector}
        doing = f"WATCH {kind}"
        try:
            async with self._api.call_api(
                "GET", version=version, url=plural, raise_for_status=False, stream=True,
                params=params, timeout=None,
            ) as response:
                if not response.is_success:
                    await response.aread()
                    raise error_for(response.status_code, response.text, doing)
                async for line in response.aiter_lines():
                    event = json.loads(line) if line.strip() else {}
                    obj = event.get("object") or {}
                    if obj.get("kind") not in (None, "Status"):  # Status: the watch expired
                        yield dict(obj)
        except (httpx.TransportError, APITimeoutError, OSError) as error:
            raise TemporaryDeployError("Unreachable", f"{doing}: {error!r}") from error

    async def delete(self, kind: str, namespace: str | None, name: str) -> bool:
        """Delete in the background (pods go with their Deployment); False when already gone."""
        response = await self._request(
            "DELETE", kind, namespace, name,
            params={"propagationPolicy": "Background"}, missing_ok=True,
        )
        return response.status_code != 404

    async def _request(
        self, method: str, kind: str, namespace: str | None, name: str, *,
        missing_ok: bool = False, **kwargs: Any,  # Any: passed through to httpx
    ) -> httpx.Response:
        version, plural, namespaced = RESOURCES[kind]
        url = f"{plural}/{name}" if name else plural
        doing = f"{method} {kind} {namespace + '/' if namespaced and namespace else ''}{name}"
        try:
            async with self._api.call_api(
                method, version=version, namespace=namespace if namespaced else None, url=url,
                raise_for_status=False, **kwargs,
            ) as response:
                await response.aread()
        except (httpx.TransportError, APITimeoutError, OSError) as error:
            raise TemporaryDeployError("Unreachable", f"{doing}: {error!r}") from error
        if response.is_success or (missing_ok and response.status_code == 404):
            return response
        delay = _retry_after(response)
        raise error_for(response.status_code, response.text, doing, retry_after=delay)


def _json(response: httpx.Response) -> Obj:
    data = response.json()
    return dict(data) if isinstance(data, dict) else {}


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isascii() and value.isdigit() and len(value) < 6 else 5.0
