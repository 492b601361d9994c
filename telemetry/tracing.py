"""OpenTelemetry traces: on when the standard OTel variables name a collector
(OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; OTEL_SDK_DISABLED=true turns
it off), exported over OTLP/HTTP through a BatchSpanProcessor (bounded queue, OTEL_BSP_*).

Each execution is one trace. Its trace id is chosen when the execution is created (stored on
the row with the `traceparent` of the request or schedule fire that started it, which the
trace links to), and each span id is derived from the span's row id, so a node's span id is
known while it runs (`http.request` sends it as `traceparent`) and the whole tree can be
exported from the rows when the execution ends, with the times the database recorded.
Exporting happens on the processor's thread: a slow or absent collector never slows or
fails an execution; what cannot be exported is dropped and counted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import Link, SpanContext, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from telemetry.metrics import SPANS_DROPPED, SPANS_EXPORTED

log = logging.getLogger(__name__)
_provider: TracerProvider | None = None
# (trace id, span id) the next span gets, for spans whose ids come from the rows.
_forced: ContextVar[tuple[int, int] | None] = ContextVar("flowplane_forced_ids", default=None)
_propagator = TraceContextTextMapPropagator()


class _Ids(RandomIdGenerator):
    def generate_trace_id(self) -> int:
        forced = _forced.get()
        return forced[0] if forced else super().generate_trace_id()

    def generate_span_id(self) -> int:
        forced = _forced.get()
        return forced[1] if forced else super().generate_span_id()


class _Counted(SpanExporter):
    """The OTLP exporter, counting what it delivered and what it could not."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            result = self.inner.export(spans)
        except Exception:  # a broken collector must not reach the processor's thread
            log.warning("exporting %d spans failed", len(spans), exc_info=True)
            result = SpanExportResult.FAILURE
        counter = SPANS_EXPORTED if result == SpanExportResult.SUCCESS else SPANS_DROPPED
        counter.inc(len(spans))
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


class _Bounded(BatchSpanProcessor):
    """The batch processor, counting the spans its full queue pushes out."""

    def on_end(self, span: ReadableSpan) -> None:
        batch = getattr(self, "_batch_processor", None)
        queue, limit = getattr(batch, "_queue", None), getattr(batch, "_max_queue_size", None)
        if queue is not None and limit is not None and len(queue) >= limit:
            SPANS_DROPPED.inc()
        super().on_end(span)


def enabled_by(environ: Mapping[str, str]) -> bool:
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return bool(environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
                or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def configure_tracing(service: str, environ: Mapping[str, str] | None = None) -> bool:
    """Install the tracer provider of this process when a collector is configured; returns
    whether traces are exported. OTEL_SERVICE_NAME, when set, names the service instead."""
    global _provider
    env = os.environ if environ is None else environ
    if _provider is not None or not enabled_by(env):
        return _provider is not None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    attributes = {} if env.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: service}
    provider = TracerProvider(resource=Resource.create(attributes), id_generator=_Ids())
    provider.add_span_processor(_Bounded(_Counted(OTLPSpanExporter())))
    trace.set_tracer_provider(provider)
    _provider = provider
    return True


def shutdown_tracing() -> None:
    """Flush what is queued (bounded by OTEL_BSP_EXPORT_TIMEOUT) and stop exporting."""
    global _provider
    if _provider is not None:
        _provider.shutdown()
        _provider = None


def tracing_enabled() -> bool:
    return _provider is not None


def new_trace_id() -> str:
    """A fresh W3C trace id (32 hex digits) for an execution."""
    return secrets.token_hex(16)


def span_id_of(trace_id: str, row_id: int) -> int:
    """The OTel span id of an execution span row: stable, so it is known while it runs."""
    digest = hashlib.blake2b(f"{trace_id}:{row_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") or 1


def traceparent(trace_id: str, row_id: int) -> str:
    return f"00-{trace_id}-{span_id_of(trace_id, row_id):016x}-01"


def current_traceparent() -> str | None:
    """The `traceparent` of the span this code runs in (an API request, a schedule fire), to
    store on the execution it creates; None when there is none."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def start_span(name: str, attributes: Mapping[str, Any] | None = None,
               ) -> AbstractContextManager[object]:
    """A span of this process around a piece of work (a schedule fire), or nothing when
    tracing is off (Any: attribute values)."""
    if _provider is None:
        return nullcontext()
    return _provider.get_tracer("flowplane").start_as_current_span(
        name, attributes=dict(attributes or {}))


def _link(parent: str | None) -> list[Link]:
    if not parent:
        return []
    context = trace.get_current_span(_propagator.extract({"traceparent": parent}))
    span_context = context.get_span_context()
    return [Link(span_context)] if span_context.is_valid else []


def _nanos(value: Any) -> int:
    """A datetime as nanoseconds since the epoch (Any: a datetime from the row)."""
    return int(value.timestamp() * 1_000_000_000)


def export_execution(execution: Mapping[str, Any], spans: Sequence[Mapping[str, Any]]) -> int:
    """Hand an ended execution's span tree (rows ordered parents first) to the exporter as
    one trace; returns how many spans were handed over (Any: column values)."""
    if _provider is None or not execution.get("trace_id"):
        return 0
    trace_id = str(execution["trace_id"])
    tracer = _provider.get_tracer("flowplane.execution")
    node_types = {str(n.get("id")): str(n.get("type"))
                  for n in (execution.get("definition") or {}).get("nodes", [])}
    base = {"flowplane.execution.id": int(execution["id"]),
            "flowplane.workflow.id": int(execution["workflow"]),
            "flowplane.organization.id": int(execution["organization"]),
            "flowplane.trigger.type": str(execution.get("trigger_type") or "")}
    if execution.get("workflow_name"):
        base["flowplane.workflow.name"] = str(execution["workflow_name"])
    contexts: dict[int, SpanContext] = {}
    for row in spans:
        contexts[int(row["id"])] = _export_span(tracer, trace_id, row, contexts, base,
                                                node_types, execution.get("traceparent"))
    return len(contexts)


def _export_span(tracer: trace.Tracer, trace_id: str, row: Mapping[str, Any],
                 contexts: Mapping[int, SpanContext], base: Mapping[str, Any],
                 node_types: Mapping[str, str], link: str | None) -> SpanContext:
    parent = contexts.get(int(row["parent"])) if row.get("parent") else None
    context = None if parent is None else trace.set_span_in_context(
        trace.NonRecordingSpan(parent))
    attributes: dict[str, Any] = {**base, "flowplane.span.kind": str(row["kind"]),
                                  "flowplane.attempt": int(row.get("attempt") or 1),
                                  "flowplane.span.status": str(row["status"])}
    if row.get("node_id"):
        attributes["flowplane.node.id"] = str(row["node_id"])
        attributes["flowplane.node.type"] = node_types.get(str(row["node_id"]), "")
    name = str(row["node_id"]) if row["kind"] == "node" and row.get("node_id") else str(
        row["kind"])
    token = _forced.set((int(trace_id, 16), span_id_of(trace_id, int(row["id"]))))
    try:
        span = tracer.start_span(name, context=context, attributes=attributes,
                                 links=_link(link) if parent is None else (),
                                 start_time=_nanos(row["started_at"]))
    finally:
        _forced.reset(token)
    if row["status"] == "completed":
        span.set_status(Status(StatusCode.OK))
    elif row["status"] in ("failed", "lost", "cancelled"):
        span.set_status(Status(StatusCode.ERROR, str(row.get("error") or row["status"])))
        if row.get("error"):
            span.add_event("exception", {"exception.message": str(row["error"])})
    span.end(end_time=_nanos(row.get("ended_at") or row["started_at"]))
    return span.get_span_context()

