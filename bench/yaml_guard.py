"""How fast the YAML guard rejects an alias bomb, next to loading a normal file of similar size.

Run: `make bench` (all benchmarks) or `.venv/bin/python -m bench yaml_guard`.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from ruamel.yaml import YAML

from bench._common import Figure
from domain.spec import load_text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workflows.d" / "hello-http.yaml"


def billion_laughs(levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        refs = ",".join([f"*l{level - 1}"] * 9)
        lines.append(f"l{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


def median_seconds(action: Callable[[], object], repeat: int = 200) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run() -> list[Figure]:
    bomb, normal = billion_laughs(), EXAMPLE.read_text()
    rejected = load_text(bomb, "bomb.yaml")
    assert rejected.errors and not rejected.documents, "the bomb was not rejected"
    assert load_text(normal, EXAMPLE.name).errors == [], "the example did not validate"

    bomb_s = median_seconds(lambda: load_text(bomb, "bomb.yaml"))
    normal_s = median_seconds(lambda: load_text(normal, EXAMPLE.name))
    print(f"alias bomb ({len(bomb)} bytes, 9 levels = 9^9 strings if expanded)")
    print(f"  rejected in   {bomb_s * 1e3:8.3f} ms: {rejected.errors[0].message}")
    print(f"normal file ({len(normal)} bytes, {EXAMPLE.name})")
    print(f"  loaded in     {normal_s * 1e3:8.3f} ms (parse, guard, compose, validate)")
    print(f"ratio reject/load: {bomb_s / normal_s:.2f}")

    # For contrast: an unguarded load of a 6-level bomb, expanded by serialising it.
    small = billion_laughs(6)
    start = time.perf_counter()
    expanded = json.dumps(YAML(typ="safe", pure=True).load(small))
    naive_s = time.perf_counter() - start
    print(
        f"unguarded 6-level bomb ({len(small)} bytes): {naive_s * 1e3:.1f} ms, "
        f"{len(expanded) / 1e6:.1f} MB of JSON "
        f"(9 levels would be ~{len(expanded) * 729 / 1e9:.1f} GB)"
    )
    return [
        Figure("yaml_guard", "reject 9-level alias bomb", bomb_s * 1e3, "ms",
               baseline=normal_s * 1e3, baseline_name=f"load {EXAMPLE.name}"),
        Figure("yaml_guard", "unguarded 6-level bomb", naive_s * 1e3, "ms",
               baseline=bomb_s * 1e3, baseline_name="guarded 9-level reject"),
    ]


if __name__ == "__main__":
    from bench._common import print_table

    print_table(run())
