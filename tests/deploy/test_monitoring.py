"""The optional monitoring component (deploy/manifests/monitoring): PodMonitors and the
PrometheusRule validate against the prometheus-operator's CRD models, the rules pass
`promtool check rules`, and every query of the rules and the Grafana dashboard names a
metric Flowplane exports, on ports the pods declare."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.metrics import MetricWrapperBase
from ruamel.yaml import YAML

from telemetry import metrics
from tests.deploy.test_kustomize import MANIFESTS, by_kind, documents
from tests.deploy.test_manifests import BASE, container, render

MONITORING = MANIFESTS / "monitoring"
DASHBOARD = MONITORING / "flowplane-dashboard.json"
_NAME = re.compile(r"\bflowplane_[a-z_]+")


def _objects() -> list[dict[str, Any]]:
    return [doc for name in ("podmonitor.yaml", "prometheusrule.yaml")
            for doc in documents(MONITORING / name)]


def _exported() -> set[str]:
    """Every series name the registry exports (counters with _total, histograms' parts)."""
    names: set[str] = set()
    for metric in vars(metrics).values():
        if isinstance(metric, MetricWrapperBase):
            family = next(iter(metric.describe()))
            if family.type == "counter":
                names.add(f"{family.name}_total")
            elif family.type == "histogram":
                names |= {f"{family.name}_{part}" for part in ("bucket", "sum", "count")}
            else:
                names.add(family.name)
    return names


def _rule_exprs() -> list[str]:
    (rule,) = [o for o in _objects() if o["kind"] == "PrometheusRule"]
    return [r["expr"] for group in rule["spec"]["groups"] for r in group["rules"]]


def _dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]


def test_the_component_lists_its_files() -> None:
    (component,) = documents(MONITORING / "kustomization.yaml")
    assert component["kind"] == "Component"
    assert sorted(component["resources"]) == ["podmonitor.yaml", "prometheusrule.yaml"]
    (generated,) = component["configMapGenerator"]
    assert generated["files"] == [DASHBOARD.name]


def test_objects_are_valid_prometheus_operator_resources() -> None:
    """The CRD models drop what they do not know: a round trip that loses nothing means no
    unknown or misspelt field, and each field has its type."""
    models = pytest.importorskip("cloudcoil.models.prometheus_operator.v1",
                                 reason="cloudcoil-models-prometheus-operator (test extra)")
    for obj in _objects():
        model = getattr(models, obj["kind"]).model_validate(obj)
        assert model.model_dump(by_alias=True, exclude_none=True, mode="json") == obj


@pytest.mark.skipif(shutil.which("promtool") is None,
                    reason="promtool (Debian package prometheus) is not installed")
def test_alert_rules_pass_promtool(tmp_path: Path) -> None:
    (rule,) = [o for o in _objects() if o["kind"] == "PrometheusRule"]
    rules = tmp_path / "rules.yaml"
    with rules.open("w") as out:
        YAML().dump({"groups": rule["spec"]["groups"]}, out)
    checked = subprocess.run(["promtool", "check", "rules", str(rules)], capture_output=True,
                             text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(_rule_exprs())} rules found" in checked.stdout


def test_every_query_names_an_exported_metric() -> None:
    exported = _exported()
    for expr in _rule_exprs() + _dashboard_exprs():
        named = set(_NAME.findall(expr))
        assert named and named <= exported, (expr, named - exported)


def test_the_dashboard_covers_every_metric_family() -> None:
    used = {name for expr in _dashboard_exprs() for name in _NAME.findall(expr)}
    families = {re.sub(r"_(bucket|sum|count)$", "", n) for n in used}
    declared = {next(iter(m.describe())).name for m in vars(metrics).values()
                if isinstance(m, MetricWrapperBase)}
    missing = {d for d in declared if not any(f.startswith(d) for f in families)}
    assert missing <= {"flowplane_trace_spans", "flowplane_trace_spans_dropped",
                       "flowplane_node_retries", "flowplane_execution_attempts",
                       "flowplane_sync_run_duration_seconds", "flowplane_sync_invalid_files"}


def test_dashboard_is_a_grafana_dashboard_on_a_prometheus_datasource() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert {"uid", "title", "schemaVersion", "panels", "templating", "time"} <= set(dashboard)
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    (variable,) = dashboard["templating"]["list"]
    assert (variable["type"], variable["query"]) == ("datasource", "prometheus")
    for panel in dashboard["panels"]:
        assert panel["type"] == "timeseries" and set(panel["gridPos"]) == {"h", "w", "x", "y"}
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs)) and all(t["expr"] for t in panel["targets"])
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}


def test_pod_monitors_scrape_ports_the_pods_declare() -> None:
    ports = {c["name"]: {p["name"] for p in c.get("ports", [])}
             for d in by_kind("Deployment") for c in d["spec"]["template"]["spec"]["containers"]}
    assert ports["api"] >= {"http"}
    assert all("metrics" in ports[name] for name in ("worker", "scheduler", "sync"))
    workers = container(render(BASE))
    assert {p["name"] for p in workers["ports"]} == {"metrics"}
    (own, workflow_workers) = [o for o in _objects() if o["kind"] == "PodMonitor"]
    assert {e["port"] for e in own["spec"]["podMetricsEndpoints"]} == {"http", "metrics"}
    deployment = next(d for d in render(BASE) if d["kind"] == "Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert workflow_workers["spec"]["selector"]["matchLabels"].items() <= labels.items()
