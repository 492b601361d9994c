"""The import-linter contract that keeps domain's private modules private names every one of
them, so a new `domain/_x.py` cannot be forgotten (import-linter matches whole module names
only, so the list is explicit). `make lint` runs the contracts themselves."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _private_modules() -> set[str]:
    found = set()
    for path in (ROOT / "domain").rglob("_*.py"):
        if path.name != "__init__.py":
            found.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


def test_the_private_module_contract_names_every_private_domain_module() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"]
                   if c["type"] == "forbidden" and "private" in c["name"]]
    assert _private_modules(), "no private modules found: the walk is wrong"
    assert set(contract["forbidden_modules"]) == _private_modules()
    assert set(contract["source_modules"]) == set(
        config["tool"]["importlinter"]["root_packages"]) - {"domain"}
