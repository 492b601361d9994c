"""Shared helpers of the benchmarks: servers to run against and one way to report figures.

Each benchmark module exposes `run() -> list[Figure]`; `python -m bench` runs them all and
writes `bench/results.json`. A figure is printed beside the baseline measured in the same run.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from flowplane.embedded import EmbeddedPostgres, EmbeddedRedis


@dataclass(frozen=True)
class Figure:
    bench: str
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "ratio": self.ratio}


@contextlib.contextmanager
def servers() -> Iterator[tuple[str, str]]:
    """(DATABASE_URL, REDIS_URL): the environment's, or embedded ones started for the run.

    Both variables are restored on exit: `db.engine.configure` sets DATABASE_URL, and the
    next benchmark of `python -m bench` must not inherit a stopped embedded server."""
    saved = {key: os.environ.get(key) for key in ("DATABASE_URL", "REDIS_URL")}
    database_url, redis_url = saved["DATABASE_URL"], saved["REDIS_URL"]
    started: list[EmbeddedPostgres | EmbeddedRedis] = []
    work = Path(tempfile.mkdtemp(prefix="flowplane-bench-"))
    try:
        if not database_url:
            # pg_stat_statements: `pgload` counts the statements of an execution.
            pg = EmbeddedPostgres(work / "pg", settings=(
                "shared_preload_libraries=pg_stat_statements",))
            pg.start()
            started.append(pg)
            database_url = pg.url
        if not redis_url:
            rd = EmbeddedRedis(work / "redis")
            rd.start()
            started.append(rd)
            redis_url = rd.url
        yield database_url, redis_url
    finally:
        for server in reversed(started):
            server.stop()
        _restore(saved)


def _restore(saved: dict[str, str | None]) -> None:
    from domain.settings import get_settings

    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of the samples."""
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[max(0, int(q) - 1)]


def print_table(figures: Sequence[Figure]) -> None:
    width = max((len(f"{f.bench}: {f.name}") for f in figures), default=20)
    for f in figures:
        line = f"{f.bench + ': ' + f.name:<{width}}  {f.value:>12.3f} {f.unit:<8}"
        if f.baseline is not None:
            line += f"  baseline {f.baseline_name}: {f.baseline:.3f} {f.unit}"
            if f.ratio is not None:
                line += f"  (x{f.ratio:.2f})"
        print(line)


# ------------------------------------------------ helpers for benchmarks that run real processes
async def scratch_database(server_url: str) -> str:
    """Create a throwaway database on the server of `server_url`; return its URL."""
    import uuid

    import asyncpg

    name = f"flowplane_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return server_url.rpartition("/")[0] + "/" + name


async def drop_database(server_url: str, url: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(server_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')
    await admin.close()


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Poll `url` until it answers 200; kill the process and raise if it never does."""
    import time

    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{url} did not become healthy")


def serve_api(database_url: str, redis_url: str) -> tuple[subprocess.Popen[bytes], str]:
    """`flowplane serve` on a free port of loopback, once healthy; with its websocket URL."""
    import sys

    from flowplane.embedded import free_port

    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "flowplane", "serve", "--port", str(port)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
    return process, f"ws://127.0.0.1:{port}/graphql"


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables (and re-read the settings) for the block only."""
    from domain.settings import get_settings

    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    get_settings.cache_clear()
    try:
        yield
    finally:
        _restore(saved)
