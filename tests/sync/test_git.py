"""Reading a directory at a commit from git objects: never the working tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.git import GitError, branch_commit, list_files, read_blobs
from sync.source import Credentials, RepoSource, git_environment, is_remote, parse_secret_ref
from tests.sync.gitrepo import GitRepo


def test_reads_files_at_a_commit_not_the_working_tree(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("workflows.d/a.yaml", "a: 1\n").write("workflows.d/sub/b.yml", "b: 2\n")
    repo.write("workflows.d/notes.txt", "not yaml").write("other/c.yaml", "c: 3\n")
    first = repo.commit()
    repo.write("workflows.d/a.yaml", "a: uncommitted\n").write("workflows.d/new.yaml", "n: 1\n")

    files = list_files(repo.root, branch_commit(repo.root, "main"), "workflows.d")

    assert [f.path for f in files] == ["workflows.d/a.yaml", "workflows.d/sub/b.yml"]
    contents = read_blobs(repo.root, [f.blob for f in files])
    assert contents[files[0].blob] == b"a: 1\n"
    assert branch_commit(repo.root, "main") == first


def test_same_content_keeps_its_blob_id_across_commits(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("workflows.d/a.yaml", "a: 1\n").write("workflows.d/b.yaml", "b: 1\n")
    first = repo.commit()
    repo.write("workflows.d/b.yaml", "b: 2\n")
    second = repo.commit()

    before = {f.path: f.blob for f in list_files(repo.root, first, "workflows.d")}
    after = {f.path: f.blob for f in list_files(repo.root, second, "workflows.d")}

    assert before["workflows.d/a.yaml"] == after["workflows.d/a.yaml"]
    assert before["workflows.d/b.yaml"] != after["workflows.d/b.yaml"]


def test_missing_branch_is_a_git_error_naming_it(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("empty")
    with pytest.raises(GitError, match="'release'"):
        branch_commit(repo.root, "release")


def test_remote_repository_is_fetched_into_the_cache(tmp_path: Path) -> None:
    upstream = GitRepo(tmp_path / "upstream")
    upstream.write("workflows.d/a.yaml", "a: 1\n")
    first = upstream.commit()
    source = RepoSource(f"file://{upstream.root}", "main", tmp_path / "cache")

    assert source.remote and source.head() == first
    upstream.write("workflows.d/a.yaml", "a: 2\n")
    second = upstream.commit()

    assert source.head() == second
    assert source.git_dir.is_relative_to(tmp_path / "cache")
    files = list_files(source.git_dir, second, "workflows.d")
    assert read_blobs(source.git_dir, [files[0].blob])[files[0].blob] == b"a: 2\n"


@pytest.mark.parametrize(
    ("location", "remote"),
    [("https://github.com/acme/flows.git", True), ("git@github.com:acme/flows.git", True),
     ("file:///srv/flows", True), ("/srv/flows", False), ("./flows", False)],
)
def test_urls_are_remote_and_paths_local(location: str, remote: bool) -> None:
    assert is_remote(location) is remote


@pytest.mark.parametrize(
    ("text", "ref"),
    [("env:GIT_TOKEN", {"env": "GIT_TOKEN"}), ("file:/run/key", {"file": "/run/key"}),
     ("secret:git/token", {"secret": {"name": "git", "key": "token"}})],
)
def test_secret_references_parse(text: str, ref: dict[str, object]) -> None:
    assert parse_secret_ref(text) == ref


def test_credentials_reach_git_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_TOKEN", "s3cret")
    monkeypatch.setenv("GIT_KEY", "-----BEGIN KEY-----")
    credentials = Credentials(token_ref={"env": "GIT_TOKEN"}, ssh_key_ref={"env": "GIT_KEY"})
    with git_environment(credentials) as env:
        assert env["GIT_CONFIG_KEY_0"] == "http.extraHeader"
        assert env["GIT_CONFIG_VALUE_0"].startswith("Authorization: Basic ")
        key_file = Path(env["GIT_SSH_COMMAND"].split()[2])
        assert key_file.read_text() == "-----BEGIN KEY-----\n"
        assert key_file.stat().st_mode & 0o777 == 0o600
    assert not key_file.exists()
