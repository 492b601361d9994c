"""Turning on a process's observability from its settings: logs in FLOWPLANE_LOG_FORMAT,
traces when the OTel variables name a collector, and (for every process but the API, which
answers /metrics itself) a metrics port."""

from __future__ import annotations

import typer

from domain.settings import get_settings
from flowplane.errors import CliError
from telemetry.exposition import serve_metrics
from telemetry.logs import configure_logging
from telemetry.tracing import configure_tracing

METRICS_PORT_OPTION = typer.Option(
    None, "--metrics-port", metavar="PORT",
    help="Serve Prometheus metrics at http://<FLOWPLANE_METRICS_HOST>:PORT/metrics "
    "(default: FLOWPLANE_METRICS_PORT; 0: off).")


def observe(service: str, metrics_port: int | None = None, *, serve: bool = True) -> None:
    """Configure logging and tracing for `service`; with `serve`, open its metrics port
    (`metrics_port`, else the setting). CliError when the port is taken."""
    settings = get_settings()
    configure_logging(settings.log_format)
    configure_tracing(f"flowplane-{service}")
    if not serve:
        return
    port = settings.metrics_port if metrics_port is None else metrics_port
    try:
        serve_metrics(settings.metrics_host, port, settings.metrics_token)
    except OSError as error:
        raise CliError(f"cannot serve metrics on {settings.metrics_host}:{port} "
                       f"({error.strerror or error}): choose another with --metrics-port "
                       "or FLOWPLANE_METRICS_PORT") from None
