"""Read a directory of a git branch AT A COMMIT, straight from the object database.

Only `git rev-parse`, `git ls-tree` and `git cat-file --batch` are used, so uncommitted edits
in a working tree never leak into a sync. Files are listed with their blob ids: a blob id
names its content, which lets a resync parse only the blobs that changed.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

YAML_SUFFIXES = (".yaml", ".yml")


class GitError(Exception):
    """A git command failed; the message carries git's own explanation."""


@dataclass(frozen=True)
class TreeFile:
    path: str  # relative to the repository root, with forward slashes
    blob: str  # the blob id (sha1 or sha256 hex)


def run_git(
    git_dir: Path, *args: str, stdin: bytes | None = None, env: Mapping[str, str] | None = None
) -> bytes:
    """stdout of `git -C git_dir args...`; GitError with git's stderr when it fails."""
    command = ["git", "-C", str(git_dir), *args]
    result = subprocess.run(command, input=stdin, capture_output=True, env=env, check=False)
    if result.returncode != 0:
        problem = result.stderr.decode(errors="replace").strip() or f"exit {result.returncode}"
        raise GitError(f"git {' '.join(args[:2])} failed: {problem}")
    return result.stdout


def resolve_commit(git_dir: Path, ref: str) -> str:
    """The commit id `ref` (a branch, remote-tracking ref or commit) points at."""
    out = run_git(git_dir, "rev-parse", "--verify", "--quiet", "--end-of-options",
                  f"{ref}^{{commit}}")
    return out.decode().strip()


def checked_out_branch(git_dir: Path) -> str:
    """The branch checked out in the work tree of `git_dir`, or "HEAD" when it is detached."""
    return run_git(git_dir, "rev-parse", "--abbrev-ref", "HEAD").decode().strip()


def branch_commit(git_dir: Path, branch: str, remote: bool = False) -> str:
    """The commit at the tip of `branch` (a local branch, or the fetched remote one)."""
    ref = f"refs/remotes/origin/{branch}" if remote else f"refs/heads/{branch}"
    try:
        return resolve_commit(git_dir, ref)
    except GitError:
        raise GitError(f"branch {branch!r} does not exist in {git_dir}") from None


SYMLINK_MODE = "120000"


def list_blobs(git_dir: Path, commit: str, directory: str) -> list[tuple[str, TreeFile]]:
    """Every blob below `directory` at `commit` with its git mode (symlinks included)."""
    directory = directory.strip("/")
    spec = [directory] if directory not in ("", ".") else []
    out = run_git(git_dir, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *spec)
    blobs: list[tuple[str, TreeFile]] = []
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, blob = meta.decode().split(" ")
        if kind == "blob":
            blobs.append((mode, TreeFile(raw_path.decode("utf-8", errors="surrogateescape"),
                                         blob)))
    return blobs


def list_files(git_dir: Path, commit: str, directory: str) -> list[TreeFile]:
    """The YAML blobs below `directory` at `commit`, sorted by path (symlinks skipped)."""
    files = [f for mode, f in list_blobs(git_dir, commit, directory)
             if mode != SYMLINK_MODE and f.path.endswith(YAML_SUFFIXES)]
    return sorted(files, key=lambda f: f.path)


def read_blobs(git_dir: Path, blobs: Iterable[str]) -> dict[str, bytes]:
    """The content of each blob, read in one `git cat-file --batch` call."""
    wanted = list(dict.fromkeys(blobs))
    if not wanted:
        return {}
    out = run_git(git_dir, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in wanted).encode())
    contents: dict[str, bytes] = {}
    position = 0
    for blob in wanted:
        end = out.index(b"\n", position)
        header = out[position:end].decode().split(" ")
        if len(header) != 3:
            raise GitError(f"object {blob} is missing: {' '.join(header)}")
        size = int(header[2])
        contents[blob] = out[end + 1 : end + 1 + size]
        position = end + 1 + size + 1  # content, then a newline
    return contents
