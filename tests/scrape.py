"""Scraping a real process's metrics endpoint and reading it with prometheus_client's own text
parser, so tests read what Prometheus would."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str, token: str | None = None) -> Samples:
    """Every sample at `url` (a /metrics URL), keyed by (sample name, sorted labels)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(url, headers=headers, timeout=5)
    response.raise_for_status()
    found: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when the process has not exported it (yet)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def metrics_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/metrics"


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


async def scraped_until(url: str, check: Callable[[Samples], bool], what: str,
                        within: float = 30) -> Samples:
    """Scrape until `check` holds (a sampled gauge, a counter moved by another process)."""
    deadline = time.monotonic() + within
    samples: Samples = {}
    while time.monotonic() < deadline:
        try:
            samples = await asyncio.to_thread(scrape, url)
        except httpx.HTTPError:
            samples = {}
        if check(samples):
            return samples
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} not seen at {url} within {within}s: "
                         f"{sorted(k for k in samples if k[0].startswith('flowplane_'))}")
