"""Observability of every Flowplane process: the Prometheus metrics (one module declares them
all, so docs/observability.md is checked against it), their exposition, OpenTelemetry traces
of executions and structured (JSON) logs with the ids in context.

The lowest layer: imports only its libraries (prometheus_client, opentelemetry), never a
Flowplane package. Callers pass it what it needs (settings, rows) as plain values.
"""
