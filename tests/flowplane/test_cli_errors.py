"""Every command's expected failures end in one line on stderr and a non-zero exit, never a
traceback (that is for `flowplane --debug`). Real processes, real servers where one is needed.
"""

from __future__ import annotations

import json
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest

from flowplane.embedded import free_port
from tests.factory import Factory
from tests.processes import run_flowplane
from tests.sync.gitrepo import GitRepo

SERVERS = ("DATABASE_URL", "REDIS_URL")
NO_POSTGRES = "error: no PostgreSQL configured: set DATABASE_URL, or start `make dev`"
NO_REDIS = ("error: no Redis configured: set REDIS_URL too (with DATABASE_URL set, the servers "
            "of `make dev` are not used)")


def assert_one_line(result: subprocess.CompletedProcess[str], expected: str,
                    code: int = 1) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == code, result.stderr
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stdout + result.stderr


def run_all(runs: Sequence[tuple[list[str], dict[str, str], tuple[str, ...]]], cwd: Path
            ) -> list[subprocess.CompletedProcess[str]]:
    """Run the commands (args, env, dropped variables) three at a time: each one spends most
    of its second importing, and the cases are independent."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        return list(pool.map(lambda run: run_flowplane(*run[0], cwd=cwd, env=run[1],
                                                       drop=run[2]), runs))


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("empty")
    return repo


NEEDS_POSTGRES = [
    ["migrate"],
    ["org", "create", "globex"],
    ["user", "create", "hank", "--org", "acme"],
    ["token", "create", "--org", "acme", "--user", "alice"],
    ["export", "--org", "acme", "--out", "out"],
    ["sync", "--repo", "{repo}", "--org", "acme", "--once", "--dry-run"],
    ["serve", "--port", "{port}"],
    ["worker", "--burst"],
    ["scheduler"],
    ["local-workers"],
]


def test_without_servers_a_command_says_how_to_configure_them(
    tmp_path: Path, git_repo: GitRepo,
) -> None:
    runs = [([a.format(repo=git_repo.root, port=free_port()) for a in args], {}, SERVERS)
            for args in NEEDS_POSTGRES]
    for result in run_all(runs, tmp_path):
        assert_one_line(result, NO_POSTGRES)


def test_commands_that_dispatch_work_also_need_redis(
    db: str, tmp_path: Path, git_repo: GitRepo,
) -> None:
    commands = [["serve", "--port", str(free_port())], ["worker"], ["scheduler"],
                ["local-workers"], ["sync", "--repo", str(git_repo.root), "--org", "acme",
                                    "--once"]]
    runs = [(args, {"DATABASE_URL": db}, ("REDIS_URL",)) for args in commands]
    for result in run_all(runs, tmp_path):
        assert_one_line(result, NO_REDIS)


def test_unreachable_servers_are_named(db: str, tmp_path: Path) -> None:
    nothing = free_port()
    down = f"postgresql://postgres@127.0.0.1:{nothing}/flowplane"
    result = run_flowplane("org", "create", "globex", cwd=tmp_path, env={"DATABASE_URL": down})
    assert_one_line(result, f"cannot reach PostgreSQL at 127.0.0.1:{nothing}/flowplane")
    result = run_flowplane("worker", cwd=tmp_path, env={
        "DATABASE_URL": db, "REDIS_URL": f"redis://127.0.0.1:{nothing}/0"})
    assert_one_line(result, f"cannot reach Redis at 127.0.0.1:{nothing}/0")
    result = run_flowplane("migrate", cwd=tmp_path, env={"DATABASE_URL": "mysql://db/x"})
    assert_one_line(result, "DATABASE_URL must start with postgresql:// or postgres://")


@pytest.fixture
async def empty_database(embedded: dict[str, object]) -> AsyncIterator[str]:
    """A database that exists but was never migrated."""
    admin_url = str(embedded["pg_url"])
    name = f"flowplane_empty_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_missing_or_unmigrated_database_says_what_to_do(
    empty_database: str, tmp_path: Path,
) -> None:
    missing = empty_database.rsplit("/", 1)[0] + "/flowplane_missing"
    result = run_flowplane("org", "create", "globex", cwd=tmp_path, env={"DATABASE_URL": missing})
    assert_one_line(result, 'database "flowplane_missing" does not exist: create it')
    result = run_flowplane("org", "create", "globex", cwd=tmp_path,
                           env={"DATABASE_URL": empty_database})
    assert_one_line(result, "the database is not migrated; run `flowplane migrate`")


def test_a_stale_dev_record_is_reported(tmp_path: Path) -> None:
    (tmp_path / ".flowplane").mkdir()
    dead = {"pid": 2**22 + 17, "api": "http://127.0.0.1:1", "DATABASE_URL": "postgresql://x/y",
            "REDIS_URL": "redis://x"}
    (tmp_path / ".flowplane" / "dev.json").write_text(json.dumps(dead))
    result = run_flowplane("migrate", cwd=tmp_path, drop=SERVERS)
    assert_one_line(result, f"names a `flowplane dev` (pid {dead['pid']}) that is not running")


async def test_admin_commands_refuse_duplicates_unknown_names_and_bad_slugs(
    factory: Factory, db: str, tmp_path: Path,
) -> None:
    acme = await factory.org("acme")
    await factory.user("alice", org=acme, role="admin")
    env = {"DATABASE_URL": db}
    cases = [
        (["org", "create", "acme"], "organization 'acme' already exists"),
        (["org", "create", "Not A Slug"], "'Not A Slug' is not a valid slug"),
        (["user", "create", "hank", "--org", "nope"], "organization 'nope' does not exist"),
        (["token", "create", "--org", "acme", "--user", "ghost"], "user 'ghost' does not exist"),
        (["token", "create", "--org", "nope", "--user", "alice"],
         "organization 'nope' does not exist"),
    ]
    results = run_all([(args, env, ()) for args, _ in cases], tmp_path)
    for (_, expected), result in zip(cases, results, strict=True):
        assert_one_line(result, expected)


async def test_export_and_sync_refuse_bad_paths_and_unknown_organizations(
    factory: Factory, db: str, tmp_path: Path, git_repo: GitRepo,
) -> None:
    await factory.org("acme")
    env = {"DATABASE_URL": db}
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    plain = tmp_path / "plain"
    plain.mkdir()
    repo = str(git_repo.root)
    cases = [
        (["export", "--org", "nope", "--out", "out"], "organization 'nope' does not exist", 1),
        (["export", "--org", "acme", "--out", str(a_file)], "is a file, not a folder", 1),
        (["sync", "--repo", str(tmp_path / "missing"), "--org", "acme", "--once"],
         "is not a folder", 1),
        (["sync", "--repo", str(plain), "--org", "acme", "--once"], "is not a git repository", 1),
        (["sync", "--repo", repo, "--org", "nope", "--once", "--dry-run"],
         "organization 'nope' does not exist", 1),
        (["sync", "--repo", repo, "--org", "acme", "--interval", "10x"], "--interval:", 2),
        (["sync", "--repo", repo, "--org", "acme", "--prune", "never"],
         "--prune must be one of archive, delete, off", 2),
    ]
    results = run_all([(args, env, ()) for args, _, _ in cases], tmp_path)
    for (_, expected, code), result in zip(cases, results, strict=True):
        assert_one_line(result, expected, code)


def test_serve_on_a_taken_port_fails_at_once(db: str, redis_url: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_flowplane("serve", "--port", str(port), cwd=tmp_path,
                               env={"DATABASE_URL": db})
    assert_one_line(result, f"port {port} on 127.0.0.1 is already in use")


def test_validate_reports_a_missing_path_without_a_traceback(tmp_path: Path) -> None:
    result = run_flowplane("validate", str(tmp_path / "missing"), cwd=tmp_path, drop=SERVERS)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{tmp_path / 'missing'}: no such file or directory" in result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run_flowplane("--debug", "migrate", cwd=tmp_path, drop=SERVERS)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "CliError: no PostgreSQL configured" in result.stderr


def test_a_worker_with_an_unparsable_egress_allow_list_refuses_to_start(
    db: str, tmp_path: Path
) -> None:
    result = run_flowplane("worker", "--burst", cwd=tmp_path, env={
        "DATABASE_URL": db, "FLOWPLANE_EGRESS_ALLOW_ACME": "10.0.0.0/8 http://db.internal/"})
    assert_one_line(result, "the egress allow-list does not parse: FLOWPLANE_EGRESS_ALLOW_ACME: "
                            "egress allow-list entry 'http://db.internal/' is not a host name")
