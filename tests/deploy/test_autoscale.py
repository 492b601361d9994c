"""The KEDA ScaledObject of `autoscale: {min, max}`: valid against KEDA's CRD models, a
Prometheus trigger on the workflow's own queue depth (a PromQL expression promtool accepts),
no credentials, and bounds checked (min 0 allowed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from deploy.autoscale import Autoscale, problems, queue_depth_query, scaled_object
from deploy.manifests import deployment_name_for, labels_for

QUEUE = "flowplane:org:7:wf:42"
NAME = deployment_name_for(42, "greeter")
METADATA = {"name": NAME, "namespace": "fp-acme", "labels": labels_for(7, 42)}
SCALE = Autoscale(0, 5, "http://prometheus.monitoring:9090", jobs_per_worker=50)


def test_the_scaled_object_targets_the_workers_on_their_queue_depth() -> None:
    obj = scaled_object(METADATA, NAME, QUEUE, SCALE)
    assert (obj["apiVersion"], obj["kind"], obj["metadata"]) == (
        "keda.sh/v1alpha1", "ScaledObject", METADATA)
    spec = obj["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                      "name": NAME}
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (0, 5)
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "prometheus" and "authenticationRef" not in trigger
    assert trigger["metadata"] == {
        "serverAddress": "http://prometheus.monitoring:9090",
        "query": 'max(flowplane_queue_depth{queue="flowplane:org:7:wf:42"}) or vector(0)',
        "threshold": "50", "activationThreshold": "0"}


def test_the_scaled_object_is_a_valid_keda_resource() -> None:
    """The CRD models drop what they do not know: a round trip that loses nothing means no
    unknown or misspelt field, and each field has its type."""
    models = pytest.importorskip("cloudcoil.models.keda.v1alpha1",
                                 reason="cloudcoil-models-keda (test extra)")
    obj = scaled_object(METADATA, NAME, QUEUE, SCALE)
    model = models.ScaledObject.model_validate(obj)
    assert model.model_dump(by_alias=True, exclude_none=True, mode="json") == obj


@pytest.mark.skipif(shutil.which("promtool") is None,
                    reason="promtool (Debian package prometheus) is not installed")
def test_the_query_is_promql_and_quotes_the_queue(tmp_path: Path) -> None:
    odd = 'q"\\x'
    assert queue_depth_query(odd) == 'max(flowplane_queue_depth{queue="q\\"\\\\x"}) or vector(0)'
    rules = tmp_path / "rules.yaml"
    with rules.open("w") as out:
        YAML().dump({"groups": [{"name": "g", "rules": [
            {"record": "depth", "expr": queue_depth_query(q)} for q in (QUEUE, odd)]}]}, out)
    checked = subprocess.run(["promtool", "check", "rules", str(rules)], capture_output=True,
                             text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(("scale", "expected"), [
    (Autoscale(0, 1, "http://p:9090"), []),
    (Autoscale(2, 2, "https://p"), []),
    (Autoscale(-1, 3, "http://p:9090"), ["autoscale.min must be >= 0, got -1"]),
    (Autoscale(3, 2, "http://p:9090"), ["autoscale.max must be >= 1 and >= min (3), got 2"]),
    (Autoscale(0, 0, "http://p:9090"), ["autoscale.max must be >= 1 and >= min (0), got 0"]),
    (Autoscale(0, 1, "http://p:9090", 0), ["jobs per worker must be >= 1, got 0"]),
    (Autoscale(0, 1, "p:9090"), ["Prometheus URL 'p:9090' is not an http(s) URL"]),
])
def test_bounds_are_checked(scale: Autoscale, expected: list[str]) -> None:
    assert problems(scale) == expected
