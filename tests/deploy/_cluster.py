"""A small in-memory Kubernetes API behind a real kmock HTTP server on loopback.

kmock's own KubernetesEmulator cannot serve us as is: it answers 404 to a PATCH of a missing
object (server-side apply creates it) and mis-parses the cluster-scoped `/api/v1/namespaces/x`
path as a namespace. So we use its stateless KubernetesScaffold (HTTP server, request
recording, Kubernetes-style error bodies) and keep the objects here, keyed by URL path.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kmock

Obj = dict[str, Any]
VERSION = {"major": "1", "minor": "35", "gitVersion": "v1.35.0", "platform": "linux/amd64"}
KEDA = "/apis/keda.sh/v1alpha1"
KEDA_RESOURCES = {  # the group version's discovery document, as KEDA 2.x installs it
    "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "keda.sh/v1alpha1",
    "resources": [
        {"name": plural, "singularName": plural[:-1], "namespaced": namespaced, "kind": kind,
         "verbs": ["delete", "deletecollection", "get", "list", "patch", "create", "update",
                   "watch"]}
        for plural, kind, namespaced in (
            ("scaledobjects", "ScaledObject", True), ("scaledjobs", "ScaledJob", True),
            ("triggerauthentications", "TriggerAuthentication", True),
            ("clustertriggerauthentications", "ClusterTriggerAuthentication", False))
    ],
}


@dataclass
class Sent:
    """One request as the server saw it."""

    method: str
    path: str
    params: dict[str, str]
    content_type: str
    data: Any


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    message: str
    times: int | None  # None: always


@dataclass
class Hook:
    method: str
    path: re.Pattern[str]
    run: Callable[[], Awaitable[None]]
    times: int


@dataclass
class FakeCluster:
    objects: dict[str, Obj] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    watches: list[tuple[str, dict[str, str], asyncio.Queue[Obj]]] = field(default_factory=list)
    closed: bool = False
    owned_data: dict[str, set[str]] = field(default_factory=dict)  # Secret keys set by `data`
    keda: bool = True  # KEDA's CRD (keda.sh/v1alpha1 ScaledObject) is installed
    scaled: set[str] = field(default_factory=set)  # Deployments whose replicas KEDA set

    def install(self, handler: kmock.KubernetesScaffold) -> None:
        handler["get /version/"] << VERSION
        handler[re.compile(r"/apis?/.*")] << self._serve

    def fail(self, method: str, path: str, status: int, message: str = "",
             times: int | None = None) -> None:
        """Answer matching requests (path: regex) with an error status."""
        self.failures.append(Failure(method, re.compile(path), status, message, times))

    def before(self, method: str, path: str, run: Callable[[], Awaitable[None]],
               times: int = 1) -> None:
        """Await `run()` before answering matching requests (path: regex), as if the API
        server were slow while something else happens."""
        self.hooks.append(Hook(method, re.compile(path), run, times))

    def put(self, path: str, obj: Obj) -> None:
        self.objects[path] = obj

    def scale(self, path: str, replicas: int) -> None:
        """What KEDA's HorizontalPodAutoscaler does through the scale subresource: the
        Deployment's `spec.replicas`, owned by another field manager from now on."""
        deployment = self.objects[path]
        deployment["spec"]["replicas"] = replicas
        deployment["metadata"]["generation"] += 1
        self.scaled.add(path)
        self.notify("MODIFIED", path, deployment)

    def delete(self, path: str) -> bool:
        """Delete an object and, as the garbage collector does, everything it owns."""
        gone = self.objects.pop(path, None)
        if gone is None:
            return False
        self.notify("DELETED", path, gone)
        uid = gone["metadata"].get("uid")
        for key, obj in list(self.objects.items()):
            owners = obj.get("metadata", {}).get("ownerReferences") or []
            if uid is not None and any(owner.get("uid") == uid for owner in owners):
                self.delete(key)
        return True

    def requests(self, method: str, path_regex: str = ".*") -> list[Sent]:
        return [s for s in self.sent if s.method == method and re.fullmatch(path_regex, s.path)]

    def applied(self) -> list[Obj]:
        return [s.data for s in self.requests("PATCH")]

    def _serve(self, request: kmock.Request) -> Any:  # Any: a kmock payload
        path, method = request.url.path, str(request.method.value).upper()
        headers = {key.lower(): value for key, value in request.headers.items()}
        content_type = headers.get("content-type", "")
        self.sent.append(Sent(method, path, dict(request.params), content_type, request.data))
        for hook in self.hooks:
            if hook.method == method and hook.path.fullmatch(path) and hook.times != 0:
                hook.times -= 1
                return self._after(hook.run, request, method, path, content_type)
        return self._respond(request, method, path, content_type)

    async def _after(self, run: Callable[[], Awaitable[None]], request: kmock.Request,
                     method: str, path: str, content_type: str) -> Any:  # Any: a kmock payload
        await run()
        return self._respond(request, method, path, content_type)

    def _respond(self, request: kmock.Request, method: str, path: str, content_type: str) -> Any:
        self._maybe_fail(method, path)
        if path.startswith(KEDA):
            if not self.keda:  # what the API server says for a group it does not serve
                raise kmock.KubernetesNotFoundError(
                    message="the server could not find the requested resource")
            if method == "GET" and path.rstrip("/") == KEDA:
                return KEDA_RESOURCES
        if method == "PATCH":
            return self._apply(path, request.data, content_type)
        if method == "DELETE":
            if not self.delete(path):
                raise kmock.KubernetesNotFoundError(message=f"{path} not found")
            return {"kind": "Status", "apiVersion": "v1", "status": "Success"}
        if method == "GET" and path in self.objects:
            return self.objects[path]
        if method == "GET" and request.params.get("watch") == "true":
            return self._watch(path, request.params.get("labelSelector", ""))
        if method == "GET" and _is_collection(path):
            return self._list(path, request.params.get("labelSelector", ""))
        raise kmock.KubernetesNotFoundError(message=f"{method} {path} not found")

    def _maybe_fail(self, method: str, path: str) -> None:
        for failure in self.failures:
            if failure.method == method and failure.path.fullmatch(path) and failure.times != 0:
                if failure.times is not None:
                    failure.times -= 1
                reason = {403: "Forbidden", 409: "Conflict", 422: "Invalid"}.get(failure.status)
                raise kmock.KubernetesError(
                    status=failure.status, reason=reason or "InternalError",
                    message=failure.message or f"injected {failure.status}",
                )

    def _apply(self, path: str, data: Obj, content_type: str) -> Any:
        if content_type != "application/apply-patch+yaml":
            raise kmock.KubernetesError(status=415, reason="UnsupportedMediaType")
        old = self.objects.get(path)
        obj = json.loads(json.dumps(data))
        meta = obj["metadata"]
        if old is not None:  # keep what the server owns
            meta["generation"] = old["metadata"].get("generation", 1) + (
                old.get("spec") != obj.get("spec"))
            meta["uid"] = old["metadata"]["uid"]
            if "status" in old:
                obj["status"] = old["status"]
        else:
            meta["generation"] = 1
            meta["uid"] = f"uid-{len(self.sent)}"
        if obj["kind"] == "Secret":
            self._merge_secret_data(path, old, obj)
        if obj["kind"] == "Deployment":
            self._own_replicas(path, old, obj)
        self.objects[path] = obj
        self.notify("MODIFIED" if old else "ADDED", path, obj)
        # kmock exports Response at runtime without listing it in __all__.
        return kmock.Response(status=200 if old else 201, payload=obj)  # type: ignore[attr-defined]

    def notify(self, kind: str, path: str, obj: Obj) -> None:
        """Tell the open watches that `obj` at `path` was ADDED, MODIFIED or DELETED."""
        for collection, wanted, queue in self.watches:
            if _in_collection(collection, path) and _matches(obj, wanted):
                queue.put_nowait({"type": kind, "object": json.loads(json.dumps(obj))})

    def close(self) -> None:
        """End the open watches (the server is about to stop)."""
        self.closed = True

    async def _watch(self, collection: str, selector: str) -> AsyncIterator[Obj]:
        """A watch without a resource version: every current object ADDED, then changes."""
        wanted = _selector(selector)
        queue: asyncio.Queue[Obj] = asyncio.Queue()
        self.watches.append((collection, wanted, queue))
        try:
            for path, obj in sorted(self.objects.items()):
                if _in_collection(collection, path) and _matches(obj, wanted):
                    yield {"type": "ADDED", "object": obj}
            while not self.closed:
                try:
                    yield await asyncio.wait_for(queue.get(), timeout=0.05)
                except TimeoutError:
                    continue
        finally:
            self.watches.remove((collection, wanted, queue))

    def _merge_secret_data(self, path: str, old: Obj | None, obj: Obj) -> None:
        """As the API server: `stringData` is write-only and merged into `data`, so a key it
        no longer carries stays; a `data` key applied before and dropped now is removed (the
        apply owns it)."""
        string = obj.pop("stringData", None) or {}
        applied = dict(obj.get("data") or {})
        kept = {key: value for key, value in ((old or {}).get("data") or {}).items()
                if key not in self.owned_data.get(path, set())}
        encoded = {key: base64.b64encode(str(value).encode()).decode()
                   for key, value in string.items()}
        obj["data"] = kept | applied | encoded
        self.owned_data[path] = set(applied)

    def _own_replicas(self, path: str, old: Obj | None, obj: Obj) -> None:
        """As server-side apply: applied `replicas` (forced) takes the field back; left out,
        it keeps what another manager (KEDA) set, else it is defaulted to 1."""
        spec = obj["spec"]
        if "replicas" in spec:
            self.scaled.discard(path)
        elif old is not None and path in self.scaled:
            spec["replicas"] = old["spec"]["replicas"]
        else:
            spec["replicas"] = 1
        if old is not None and old["spec"].get("replicas") != spec["replicas"]:
            obj["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1

    def _list(self, path: str, selector: str) -> Obj:
        wanted = _selector(selector)
        items = [
            obj for key, obj in sorted(self.objects.items())
            if key.rsplit("/", 1)[0] == path and _matches(obj, wanted)
        ]
        return {"kind": "List", "apiVersion": "v1", "metadata": {}, "items": items}


def _selector(selector: str) -> dict[str, str]:
    return dict(term.split("=", 1) for term in selector.split(",") if term)


def _matches(obj: Obj, wanted: dict[str, str]) -> bool:
    return bool(wanted.items() <= obj.get("metadata", {}).get("labels", {}).items())


def _in_collection(collection: str, path: str) -> bool:
    """Whether the object at `path` is in `collection`, a namespace's or every namespace's
    (`/api/v1/pods`, `/apis/apps/v1/deployments`)."""
    parent, _, _ = path.rpartition("/")
    if parent == collection:
        return True
    prefix, _, plural = collection.rpartition("/")
    head, _, _ = parent.rpartition("/")
    return parent.endswith(f"/{plural}") and head.rpartition("/")[0] == f"{prefix}/namespaces"


def _is_collection(path: str) -> bool:
    return path.endswith(("/secrets", "/pods", "/deployments", "/replicasets", "/namespaces",
                          "/jobs", "/configmaps", "/scaledobjects"))


def write_kubeconfig(directory: Path, server: str) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "mock", "cluster": {"server": server}}],
        "users": [{"name": "flowplane", "user": {"token": "test-token"}}],
        "contexts": [{"name": "mock", "context": {"cluster": "mock", "user": "flowplane"}}],
        "current-context": "mock",
    }
    path = directory / "kubeconfig.yaml"
    path.write_text(json.dumps(config))  # JSON is YAML
    return path
