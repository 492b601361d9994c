"""Real git repositories for sync tests: write files, commit, amend, rename, switch branch."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
}


class GitRepo:
    def __init__(self, root: Path, branch: str = "main") -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "--quiet", "--initial-branch", branch)

    def git(self, *args: str) -> str:
        result = subprocess.run(
            ["git", "-C", str(self.root), *args], capture_output=True, text=True,
            env={**os.environ, **_ENV}, check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def write(self, path: str, text: str) -> GitRepo:
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text)
        return self

    def remove(self, path: str) -> GitRepo:
        self.git("rm", "--quiet", path)
        return self

    def rename(self, old: str, new: str) -> GitRepo:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)
        return self

    def commit(self, message: str = "change", amend: bool = False) -> str:
        self.git("add", "--all")
        amending = ["--amend"] if amend else []
        self.git("commit", "--quiet", "--allow-empty", "-m", message, *amending)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def switch(self, branch: str, create: bool = False) -> GitRepo:
        self.git("switch", "--quiet", *(["-c"] if create else []), branch)
        return self


def workflow_yaml(
    name: str, org: str = "acme", *, state: str = "draft", value: str = "hello",
    description: str = "", public: bool = False, shared: tuple[str, ...] = (),
    owner: str | None = None,
) -> str:
    shared_line = f"  sharedWith: [{', '.join(shared)}]\n" if shared else ""
    shared_line += f"  owner: {owner}\n" if owner else ""
    return (
        "apiVersion: flowplane/v1\nkind: Workflow\nmetadata:\n"
        f"  name: {name}\n  organization: {org}\n  description: '{description}'\n"
        f"  public: {'true' if public else 'false'}\n{shared_line}"
        f"spec:\n  state: {state}\n  nodes:\n"
        f"    - {{id: start, type: transform, params: {{value: {value}}}}}\n"
    )
