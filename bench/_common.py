"""Shared helpers of the benchmarks: servers to run against and one way to report figures.

Each benchmark module exposes `run() -> list[Figure]`; `python -m bench` runs them all and
writes `bench/results.json`. A figure is printed beside the baseline measured in the same run.
"""

from __future__ import annotations

import contextlib
import os
import statistics
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
    """(DATABASE_URL, REDIS_URL): the environment's, or embedded ones started for the run."""
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    started: list[EmbeddedPostgres | EmbeddedRedis] = []
    work = Path(tempfile.mkdtemp(prefix="flowplane-bench-"))
    try:
        if not database_url:
            pg = EmbeddedPostgres(work / "pg")
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
