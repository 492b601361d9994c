"""The KEDA `ScaledObject` that scales a workflow's worker Deployment on its queue depth
(deployment setting `autoscale: {min, max}`).

The trigger is KEDA's Prometheus scaler on `flowplane_queue_depth{queue=...}`, the gauge the
scheduler (the always-on process) samples for every queue. Not KEDA's Redis scaler: it reads
a list's length (LLEN), and arq keeps a queue in a sorted set, which that scaler cannot count;
it would also need Redis credentials in the cluster's KEDA operator, where the Prometheus
trigger needs none of the organization's. The gauge counts waiting and running jobs, so with
`jobs_per_worker` the jobs one worker runs at once (arq's max_jobs), KEDA asks for
ceil(depth / jobs_per_worker) workers between `min` and `max`; with `min: 0` it removes the
last worker once the queue stays empty and adds one when a job arrives (activation above 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Manifest = dict[str, Any]  # Any: Kubernetes objects are free-form JSON

API_VERSION = "keda.sh/v1alpha1"
QUEUE_DEPTH = "flowplane_queue_depth"


@dataclass(frozen=True)
class Autoscale:
    """Replica bounds of one workflow's workers and where KEDA reads the queue depth."""

    minimum: int
    maximum: int
    prometheus_url: str  # the Prometheus that scrapes the scheduler (an operator setting)
    jobs_per_worker: int = 1


def problems(autoscale: Autoscale) -> list[str]:
    """What is wrong with the bounds (empty when fine)."""
    found = []
    if autoscale.minimum < 0:
        found.append(f"autoscale.min must be >= 0, got {autoscale.minimum}")
    if autoscale.maximum < max(1, autoscale.minimum):
        found.append(f"autoscale.max must be >= 1 and >= min ({autoscale.minimum}), "
                     f"got {autoscale.maximum}")
    if autoscale.jobs_per_worker < 1:
        found.append(f"jobs per worker must be >= 1, got {autoscale.jobs_per_worker}")
    if not autoscale.prometheus_url.startswith(("http://", "https://")):
        found.append(f"Prometheus URL {autoscale.prometheus_url!r} is not an http(s) URL")
    return found


def queue_depth_query(queue_name: str) -> str:
    """PromQL for the queue's depth: the highest sample of every scheduler reporting it (each
    samples the same sorted set), 0 when none does yet."""
    label = queue_name.replace("\\", "\\\\").replace('"', '\\"')
    return f'max({QUEUE_DEPTH}{{queue="{label}"}}) or vector(0)'


def scaled_object(metadata: Manifest, deployment_name: str, queue_name: str,
                  autoscale: Autoscale) -> Manifest:
    """The ScaledObject named and labelled as `metadata` says, targeting the Deployment."""
    return {
        "apiVersion": API_VERSION,
        "kind": "ScaledObject",
        "metadata": metadata,
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                               "name": deployment_name},
            "minReplicaCount": autoscale.minimum,
            "maxReplicaCount": autoscale.maximum,
            "triggers": [{
                "type": "prometheus",
                "metricType": "AverageValue",
                "metadata": {
                    "serverAddress": autoscale.prometheus_url,
                    "query": queue_depth_query(queue_name),
                    "threshold": str(autoscale.jobs_per_worker),
                    "activationThreshold": "0",
                },
            }],
        },
    }
