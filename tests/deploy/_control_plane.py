"""What a real control plane does to the objects of the mock cluster (tests/deploy/_cluster.py):
the Deployment and ReplicaSet controllers, the scheduler and the kubelets, as deterministic
passes that a test runs with `settle()` after it changed something.

Modelled on Kubernetes 1.32 for one-replica Deployments (and their scaling, as KEDA does it
through `FakeCluster.scale`): a changed pod template gets a new
ReplicaSet (revision annotation, pod-template-hash label, owner references); the rolling
update honours maxSurge / maxUnavailable (25% / 25% when not given, rounded up / down); the
scheduler binds a pod to a node whose labels match its nodeSelector and that has enough free
`nvidia.com/gpu`, else marks it `PodScheduled=False, Unschedulable` with the scheduler's
message and retries it on every pass (so a node added later takes it); a kubelet runs bound
pods, or crash-loops them for Deployments in `crashing`. Deleting an object deletes its
dependents (`FakeCluster.delete`).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field

from tests.deploy._cluster import FakeCluster, Obj

GPU = "nvidia.com/gpu"
REVISION = "deployment.kubernetes.io/revision"
HASH = "pod-template-hash"


@dataclass
class Node:
    name: str
    gpus: int = 0
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class ControlPlane:
    cluster: FakeCluster
    nodes: list[Node] = field(default_factory=list)
    crashing: set[str] = field(default_factory=set)  # Deployment names whose workers exit
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def settle(self, passes: int = 20) -> None:
        """Run the controllers until nothing changes (a real cluster converges the same way)."""
        for _ in range(passes):
            before = {path: json.dumps(obj, sort_keys=True)
                      for path, obj in self.cluster.objects.items()}
            for path, deployment in self._all("deployments"):
                self._roll(path, deployment)
            for _, replicaset in self._all("replicasets"):
                self._replicate(replicaset)
            for _, pod in self._all("pods"):
                self._schedule(pod)
                self._run(pod)
            for _, deployment in self._all("deployments"):
                self._report(deployment)
            changed = [(path, obj) for path, obj in sorted(self.cluster.objects.items())
                       if before.get(path) != json.dumps(obj, sort_keys=True)]
            for path, obj in changed:  # what a watch would report (deletions report themselves)
                self.cluster.notify("MODIFIED" if path in before else "ADDED", path, obj)
            if not changed and before.keys() == self.cluster.objects.keys():
                return
        raise AssertionError("the mock control plane did not converge")

    def pods(self, deployment: str) -> list[Obj]:
        return [pod for _, pod in self._all("pods")
                if pod["metadata"]["name"].startswith(f"{deployment}-")]

    # -- Deployment controller -------------------------------------------------------------

    def _roll(self, path: str, deployment: Obj) -> None:
        meta = deployment["metadata"]
        replicas = int(deployment["spec"].get("replicas", 1))
        new = self._current_replicaset(path, deployment)
        old = [rs for rs in self._owned("replicasets", meta["uid"]) if rs is not new]
        surge, unavailable = _strategy(deployment, replicas)
        total = sum(rs["spec"]["replicas"] for rs in old) + new["spec"]["replicas"]
        new["spec"]["replicas"] = min(replicas, max(new["spec"]["replicas"],  # scaled down
                                                    min(replicas, replicas + surge - total
                                                        + new["spec"]["replicas"])))
        total = sum(rs["spec"]["replicas"] for rs in old) + new["spec"]["replicas"]
        budget = (total - (replicas - unavailable)
                  - (new["spec"]["replicas"] - self._ready(new)))
        for rs in old:
            cut = min(rs["spec"]["replicas"], max(budget, 0))
            rs["spec"]["replicas"] -= cut
            budget -= cut

    def _current_replicaset(self, path: str, deployment: Obj) -> Obj:
        meta, template = deployment["metadata"], deployment["spec"]["template"]
        digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]
        owned = self._owned("replicasets", meta["uid"])
        for rs in owned:
            if rs["metadata"]["labels"][HASH] == digest:
                meta.setdefault("annotations", {})[REVISION] = rs["metadata"]["annotations"][
                    REVISION]
                return rs
        revision = str(1 + max((int(rs["metadata"]["annotations"][REVISION]) for rs in owned),
                               default=0))
        labels = dict(template["metadata"]["labels"]) | {HASH: digest}
        pod_template = copy.deepcopy(template)
        pod_template["metadata"]["labels"] = labels
        name = f"{meta['name']}-{digest}"
        rs = {
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": meta["namespace"], "labels": labels,
                         "uid": f"rs-uid-{next(self._ids)}",
                         "annotations": {REVISION: revision},
                         "ownerReferences": [_owner(deployment)]},
            "spec": {"replicas": 0, "selector": {"matchLabels": labels},
                     "template": pod_template},
        }
        prefix = path.split("/deployments/")[0]
        self.cluster.put(f"{prefix}/replicasets/{name}", rs)
        meta.setdefault("annotations", {})[REVISION] = revision
        return rs

    def _report(self, deployment: Obj) -> None:
        meta, replicas = deployment["metadata"], int(deployment["spec"].get("replicas", 1))
        sets = self._owned("replicasets", meta["uid"])
        current = [rs for rs in sets
                   if rs["metadata"]["annotations"][REVISION] == meta["annotations"][REVISION]]
        pods = [pod for rs in sets for pod in self._owned("pods", rs["metadata"]["uid"])]
        updated = [pod for rs in current for pod in self._owned("pods", rs["metadata"]["uid"])]
        ready = sum(_is_ready(pod) for pod in pods)
        enough = ready >= replicas - _strategy(deployment, replicas)[1]
        deployment["status"] = {
            "observedGeneration": meta["generation"], "replicas": len(pods),
            "updatedReplicas": len(updated), "readyReplicas": ready, "availableReplicas": ready,
            "unavailableReplicas": max(len(pods) - ready, 0),
            "conditions": [{"type": "Available", "status": "True" if enough else "False",
                            "reason": "MinimumReplicasAvailable" if enough
                            else "MinimumReplicasUnavailable"}],
        }

    # -- ReplicaSet controller -------------------------------------------------------------

    def _replicate(self, replicaset: Obj) -> None:
        meta = replicaset["metadata"]
        pods = self._owned("pods", meta["uid"])
        for pod in pods[replicaset["spec"]["replicas"]:]:
            self.cluster.delete(_pod_path(pod))
        for _ in range(replicaset["spec"]["replicas"] - len(pods)):
            template = copy.deepcopy(replicaset["spec"]["template"])
            name = f"{meta['name']}-{next(self._ids)}"
            pod = {
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": meta["namespace"],
                             "labels": template["metadata"]["labels"],
                             "uid": f"pod-uid-{name}", "ownerReferences": [_owner(replicaset)]},
                "spec": template["spec"],
                "status": {"phase": "Pending", "conditions": []},
            }
            self.cluster.put(_pod_path(pod), pod)

    # -- scheduler and kubelet -------------------------------------------------------------

    def _schedule(self, pod: Obj) -> None:
        if pod["spec"].get("nodeName"):
            return
        wanted, selector = _gpus(pod), pod["spec"].get("nodeSelector") or {}
        unmatched = [n for n in self.nodes if not selector.items() <= n.labels.items()]
        short = [n for n in self.nodes if n not in unmatched and self._free(n) < wanted]
        fitting = [n for n in self.nodes if n not in unmatched and n not in short]
        if fitting:
            pod["spec"]["nodeName"] = fitting[0].name
            pod["status"]["conditions"] = [{"type": "PodScheduled", "status": "True"}]
            return
        reasons = [f"{len(short)} Insufficient {GPU}"] if short else []
        if unmatched:
            reasons.append(f"{len(unmatched)} node(s) didn't match Pod's node affinity/selector")
        message = f"0/{len(self.nodes)} nodes are available: {', '.join(reasons) or 'no nodes'}."
        pod["status"]["conditions"] = [{"type": "PodScheduled", "status": "False",
                                        "reason": "Unschedulable", "message": message}]

    def _run(self, pod: Obj) -> None:
        if not pod["spec"].get("nodeName"):
            return
        crashing = any(pod["metadata"]["name"].startswith(f"{name}-") for name in self.crashing)
        restarts = 5 if crashing else 0
        container: Obj = {"name": "worker", "ready": not crashing, "restartCount": restarts,
                          "image": pod["spec"]["containers"][0]["image"]}
        if crashing:
            container["state"] = {"waiting": {
                "reason": "CrashLoopBackOff",
                "message": "back-off 5m0s restarting failed container=worker"}}
            container["lastState"] = {"terminated": {"reason": "Error", "exitCode": 1}}
        else:
            container["state"] = {"running": {}}
        ready = "False" if crashing else "True"
        pod["status"] = {"phase": "Running", "containerStatuses": [container], "conditions": [
            {"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": ready}]}

    def _free(self, node: Node) -> int:
        used = sum(_gpus(pod) for _, pod in self._all("pods")
                   if pod["spec"].get("nodeName") == node.name)
        return node.gpus - used

    # -- lookups ---------------------------------------------------------------------------

    def _all(self, plural: str) -> list[tuple[str, Obj]]:
        return [(path, obj) for path, obj in sorted(self.cluster.objects.items())
                if path.split("/")[-2] == plural]

    def _owned(self, plural: str, uid: str) -> list[Obj]:
        return [obj for _, obj in self._all(plural)
                if any(ref["uid"] == uid for ref in obj["metadata"].get("ownerReferences", []))]

    def _ready(self, replicaset: Obj) -> int:
        return sum(_is_ready(pod) for pod in self._owned("pods", replicaset["metadata"]["uid"]))


def _strategy(deployment: Obj, replicas: int) -> tuple[int, int]:
    """maxSurge (rounded up) and maxUnavailable (rounded down), as the controller reads them."""
    rolling = (deployment["spec"].get("strategy") or {}).get("rollingUpdate") or {}

    def amount(value: int | str, up: bool) -> int:
        if isinstance(value, int):
            return value
        share = replicas * int(value.rstrip("%")) / 100
        return math.ceil(share) if up else math.floor(share)

    surge = amount(rolling.get("maxSurge", "25%"), up=True)
    unavailable = amount(rolling.get("maxUnavailable", "25%"), up=False)
    return surge, 1 if surge == 0 and unavailable == 0 else unavailable


def _gpus(pod: Obj) -> int:
    return sum(int(c.get("resources", {}).get("limits", {}).get(GPU, 0))
               for c in pod["spec"]["containers"])


def _is_ready(pod: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in pod.get("status", {}).get("conditions", []))


def _owner(obj: Obj) -> Obj:
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"],
            "name": obj["metadata"]["name"], "uid": obj["metadata"]["uid"], "controller": True}


def _pod_path(pod: Obj) -> str:
    return f"/api/v1/namespaces/{pod['metadata']['namespace']}/pods/{pod['metadata']['name']}"
