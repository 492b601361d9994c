"""Fixtures of the sync tests: organization `acme` with members alice and bob, a git repo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sync.desired import ParseCache
from sync.plan import PlanOptions
from sync.reconcile import RunReport, SyncTarget, reconcile
from sync.source import RepoSource
from tests.factory import Factory
from tests.sync.gitrepo import GitRepo


@pytest.fixture
async def acme(factory: Factory) -> dict[str, Any]:
    org = await factory.org("acme")
    await factory.user("alice", org=org, role="admin")
    await factory.user("bob", org=org)
    return org


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


class Syncer:
    """Runs the pipeline on a repository the way `flowplane sync --once` does."""

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        self.cache = ParseCache()

    async def __call__(self, dry_run: bool = False, branch: str | None = "main",
                       **options: Any) -> RunReport:
        target = SyncTarget("acme", RepoSource(str(self.repo.root), branch))
        return await reconcile(target, PlanOptions(**options), dry_run=dry_run, cache=self.cache)


@pytest.fixture
def sync(repo: GitRepo, acme: dict[str, Any]) -> Syncer:
    return Syncer(repo)
