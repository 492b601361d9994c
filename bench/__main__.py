"""`make bench`: run every benchmark module in bench/, print one table, write results.json."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import traceback
from pathlib import Path

from bench._common import Figure, print_table

HERE = Path(__file__).parent


def main() -> int:
    names = sys.argv[1:] or sorted(
        m.name for m in pkgutil.iter_modules([str(HERE)]) if not m.name.startswith("_")
    )
    figures: list[Figure] = []
    failed: list[str] = []
    for name in names:
        print(f"== {name}", flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            results = module.run()
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        print_table(results)
        figures.extend(results)
    print(f"\n== summary ({os.cpu_count()} cores)")
    print_table(figures)
    (HERE / "results.json").write_text(
        json.dumps({"cores": os.cpu_count(), "figures": [f.as_dict() for f in figures],
                    "failed": failed}, indent=2)
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
