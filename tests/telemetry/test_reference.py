"""docs/observability.md lists exactly the metrics the code declares, and the declarations keep
Prometheus' conventions and bounded label sets."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.metrics import MetricWrapperBase

from telemetry import metrics

DOC = Path(__file__).parents[2] / "docs" / "observability.md"
UNBOUNDED = {"execution", "execution_id", "span", "span_id", "user", "user_id", "organization",
             "workflow", "workflow_id", "id", "token", "error", "message"}


def _declared() -> list[MetricWrapperBase]:
    return [m for m in vars(metrics).values() if isinstance(m, MetricWrapperBase)]


def test_the_docs_table_is_the_registry() -> None:
    table = metrics.reference()
    assert table in DOC.read_text(), (
        "docs/observability.md's metric table differs from telemetry.metrics; paste:\n" + table)


def test_metric_names_follow_prometheus_conventions() -> None:
    for metric in _declared():
        family = metric.describe()[0]
        assert family.name.startswith("flowplane_"), family.name
        assert not family.name.endswith("_total"), "prometheus_client adds _total itself"
        if family.type == "histogram":
            assert family.name.endswith("_seconds"), family.name
        assert family.documentation.endswith("."), family.name


def test_no_label_can_take_unbounded_values() -> None:
    for metric in _declared():
        assert not set(metric._labelnames) & UNBOUNDED, metric.describe()[0].name


def test_free_text_failure_reasons_become_other() -> None:
    assert metrics.reason_label("Unschedulable") == "Unschedulable"
    assert metrics.reason_label("ImagePullBackOff") == "ImagePullBackOff"
    assert metrics.reason_label("pod wf-12 failed: out of memory") == "Other"
    assert metrics.reason_label(None) == "Other"
    assert metrics.reason_label("A" * 41) == "Other"
