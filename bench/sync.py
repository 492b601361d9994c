"""Git sync: cold sync of 1,000 workflow files, a no-op resync at the same commit, and a commit
changing one file out of 1,000 (only the changed blob is parsed, only its row written).

Targets (issue 7): cold < 30 s, no-op < 1 s, one-file change < 0.5 s; issue 15: cold sync
<= 3x libyaml's C loader reading the same files. Baselines in the same run: reading the 1,000
blobs from git and loading them with PyYAML's `CSafeLoader` (libyaml; for cold sync and for
our read + parse), libyaml loading the same texts (for our loader alone, no git), and the no-op
resync (for the one-file change).

Run: `.venv/bin/python -m bench sync` or `-m bench.sync` (uses DATABASE_URL when set, in a
throwaway database).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from bench._common import Figure, print_table, servers

FILES = 1000
_GIT_ENV = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com",
            "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com"}


def _yaml(name: str, value: str) -> str:
    return (f"apiVersion: flowplane/v1\nkind: Workflow\nmetadata:\n  name: {name}\n"
            f"  organization: acme\n  tags: [bench]\nspec:\n  trigger: {{type: manual}}\n"
            f"  nodes:\n    - {{id: fetch, type: http.request, params: {{method: GET, "
            f"url: 'https://example.com/{name}'}}}}\n"
            f"    - {{id: pick, type: transform, params: {{value: {value}}}}}\n"
            f"  connections:\n    - {{from: fetch, to: pick}}\n")


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={**os.environ, **_GIT_ENV})


def _repo(root: Path) -> None:
    _git(root, "init", "--quiet", "--initial-branch", "main")
    folder = root / "workflows.d"
    folder.mkdir()
    for number in range(FILES):
        (folder / f"wf-{number:04}.yaml").write_text(_yaml(f"wf-{number:04}", "v1"))
    _git(root, "add", "--all")
    _git(root, "commit", "--quiet", "-m", "1,000 workflows")


async def _database(server_url: str) -> tuple[str, str]:
    name = f"flowplane_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return server_url.rsplit("/", 1)[0] + "/" + name, name


def _texts(root: Path, commit: str) -> dict[str, str]:
    from sync.git import list_files, read_blobs

    files = list_files(root, commit, "workflows.d")
    contents = read_blobs(root, (f.blob for f in files))
    return {f.path: contents[f.blob].decode("utf-8") for f in files}


def _parse_only(texts: dict[str, str]) -> tuple[float, float]:
    """Seconds to load the texts (no git) with our loader and with libyaml's C loader."""
    import yaml

    from domain.spec.loader import load_text

    start = time.perf_counter()
    for path, text in texts.items():
        assert load_text(text, path).ok
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for text in texts.values():
        list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    return ours, time.perf_counter() - start


def _libyaml(root: Path, commit: str) -> float:
    """Seconds to read the same blobs from git and load them with libyaml's C loader."""
    import yaml

    from sync.git import list_files, read_blobs

    assert yaml.__with_libyaml__, "PyYAML without libyaml: no baseline"
    start = time.perf_counter()
    files = list_files(root, commit, "workflows.d")
    for content in read_blobs(root, (f.blob for f in files)).values():
        list(yaml.load_all(content.decode("utf-8"), Loader=yaml.CSafeLoader))
    return time.perf_counter() - start


async def _measure(server_url: str, root: Path) -> list[Figure]:
    from db import engine
    from domain.organizations import create_organization
    from sync.desired import ParseCache, read_desired
    from sync.plan import PlanOptions
    from sync.reconcile import SyncTarget, reconcile
    from sync.source import RepoSource

    url, name = await _database(server_url)
    engine.configure(url)
    await engine.migrate()
    await engine.start_pool(max_size=5)
    try:
        await create_organization("acme")
        source = RepoSource(str(root))
        commit = source.head()
        libyaml = _libyaml(root, commit)
        start = time.perf_counter()
        read_desired(root, commit, "workflows.d", "acme")
        parse_only = time.perf_counter() - start

        target, cache = SyncTarget("acme", source), ParseCache()

        async def timed() -> float:
            begin = time.perf_counter()
            report = await reconcile(target, PlanOptions(), cache=cache)
            assert report.status == "succeeded", report.error
            return time.perf_counter() - begin

        cold = await timed()
        noop = await timed()
        (root / "workflows.d" / "wf-0500.yaml").write_text(_yaml("wf-0500", "v2"))
        _git(root, "commit", "--quiet", "-am", "one file")
        one = await timed()
        parse, libyaml_parse = _parse_only(_texts(root, commit))
    finally:
        await engine.close_pool()
        admin = await asyncpg.connect(server_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return [
        Figure("sync", f"cold sync of {FILES} files", cold, "s", libyaml, "libyaml read + load"),
        Figure("sync", f"read + parse + validate {FILES} files", parse_only, "s", libyaml,
               "libyaml read + load"),
        Figure("sync", f"parse + validate {FILES} texts (no git)", parse, "s", libyaml_parse,
               "libyaml load"),
        Figure("sync", "no-op resync, same commit", noop, "s", cold, "cold sync"),
        Figure("sync", f"1 file changed of {FILES}", one, "s", noop, "no-op resync"),
    ]


def run() -> list[Figure]:
    with servers() as (database_url, _redis_url), tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "repo"
        root.mkdir()
        _repo(root)
        return asyncio.run(_measure(database_url, root))


if __name__ == "__main__":
    print_table(run())
