"""Where a synced repository lives: a local path read in place, or a remote URL cloned and
fetched into a cache folder (bare), with a token or an SSH key from a secret reference.

Credentials go to git through the environment (GIT_CONFIG_* / GIT_SSH_COMMAND), never through
the command line, so they do not show in `ps`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.services import resolve_secret
from sync.git import GitError, branch_commit, checked_out_branch, resolve_commit, run_git

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://|^[^/:]+@[^/:]+:")


def is_remote(location: str) -> bool:
    """URLs (https://, ssh://, file://) and scp-like `user@host:path` are remote."""
    return bool(_URL.match(location))


def parse_secret_ref(text: str) -> dict[str, Any]:
    """`env:NAME`, `file:PATH` or `secret:NAME/KEY` as a secret reference (Any: JSON)."""
    scheme, _, rest = text.partition(":")
    if scheme == "env" and rest:
        return {"env": rest}
    if scheme == "file" and rest:
        return {"file": rest}
    name, _, key = rest.partition("/")
    if scheme == "secret" and name and key:
        return {"secret": {"name": name, "key": key}}
    raise ValueError(f"{text!r} is not a secret reference (env:NAME, file:PATH or secret:NAME/KEY)")


@dataclass(frozen=True)
class Credentials:
    token_ref: dict[str, Any] | None = None  # Any: a secret reference
    ssh_key_ref: dict[str, Any] | None = None


DEFAULT_REMOTE_BRANCH = "main"


@dataclass
class RepoSource:
    """`branch` None follows the checkout: the branch checked out in a local repository,
    re-read on every poll (so `git switch` moves the sync along), or main of a URL."""

    location: str
    branch: str | None = None
    cache_dir: Path = Path(".flowplane/sync-cache")
    credentials: Credentials = field(default_factory=Credentials)

    @property
    def remote(self) -> bool:
        return is_remote(self.location)

    @property
    def git_dir(self) -> Path:
        """The repository the reader uses: the local path, or the bare cache of a remote."""
        if not self.remote:
            return Path(self.location)
        digest = hashlib.sha256(self.location.encode()).hexdigest()[:16]
        return self.cache_dir / digest

    @property
    def follows_checkout(self) -> bool:
        return self.branch is None and not self.remote

    def current_branch(self) -> str:
        """The branch a run reads now ("HEAD" for a detached or unreadable checkout)."""
        if not self.follows_checkout:
            return self.branch or DEFAULT_REMOTE_BRANCH
        try:
            return checked_out_branch(self.git_dir)
        except GitError:
            return "HEAD"  # the run itself then fails, and records why

    def head(self) -> str:
        """Fetch (remote only) and return the commit at the tip of the branch followed."""
        if self.remote:
            self._fetch()
        if self.follows_checkout:
            try:
                return resolve_commit(self.git_dir, "HEAD")
            except GitError:
                raise GitError(f"{self.location} has no commit checked out") from None
        return branch_commit(self.git_dir, self.current_branch(), remote=self.remote)

    def _fetch(self) -> None:
        git_dir = self.git_dir
        if not (git_dir / "HEAD").exists():
            git_dir.mkdir(parents=True, exist_ok=True)
            run_git(git_dir, "init", "--bare", "--quiet")
        branch = self.current_branch()
        refspec = f"+refs/heads/{branch}:refs/remotes/origin/{branch}"
        with git_environment(self.credentials) as env:
            try:
                run_git(git_dir, "fetch", "--quiet", "--no-tags", "--prune", "--",
                        self.location, refspec, env=env)
            except GitError as exc:
                message = f"cannot fetch {branch!r} from {self.location}: {exc}"
                raise GitError(message) from None


@contextmanager
def git_environment(credentials: Credentials) -> Iterator[dict[str, str]]:
    """The environment for a git fetch with these credentials (a key file lives only inside)."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    if credentials.token_ref is not None:
        token = resolve_secret(credentials.token_ref)
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env.update({"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
                    "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}"})
    if credentials.ssh_key_ref is None:
        yield env
        return
    key = resolve_secret(credentials.ssh_key_ref)
    with tempfile.TemporaryDirectory(prefix="flowplane-ssh-") as folder:
        key_file = Path(folder) / "id"
        key_file.touch(mode=0o600)
        key_file.write_text(key if key.endswith("\n") else key + "\n")
        env["GIT_SSH_COMMAND"] = (
            f"ssh -i {key_file} -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new"
        )
        yield env
