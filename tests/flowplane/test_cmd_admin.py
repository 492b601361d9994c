"""The admin commands work end to end against the test database, as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

from domain.tokens import authenticate


def _flowplane(
    database_url: str, *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "flowplane", *args], env=env, capture_output=True, text=True,
        timeout=60,
    )


async def test_org_user_and_token_commands_create_a_working_token(db: str) -> None:
    assert _flowplane(db, "migrate").returncode == 0
    assert _flowplane(db, "org", "create", "globex").returncode == 0
    created = _flowplane(db, "user", "create", "hank", "--org", "globex", "--admin")
    assert created.returncode == 0, created.stderr
    result = _flowplane(db, "token", "create", "--org", "globex", "--user", "hank")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    found = await authenticate(token)
    assert found is not None and found.user.handle == "hank"


async def test_token_for_a_non_member_is_refused_with_a_clear_error(db: str) -> None:
    _flowplane(db, "org", "create", "globex")
    _flowplane(db, "org", "create", "initech")
    _flowplane(db, "user", "create", "hank", "--org", "globex")
    result = _flowplane(db, "token", "create", "--org", "initech", "--user", "hank")
    assert result.returncode == 1
    assert "not a member of 'initech'" in result.stderr


async def test_an_operator_adds_an_existing_user_to_a_second_organization(db: str) -> None:
    _flowplane(db, "org", "create", "globex")
    _flowplane(db, "org", "create", "initech")
    assert _flowplane(db, "user", "create", "hank", "--org", "globex").returncode == 0
    again = _flowplane(db, "user", "create", "hank", "--org", "initech")
    assert again.returncode == 0, again.stderr
    result = _flowplane(db, "token", "create", "--org", "initech", "--user", "hank")
    assert result.returncode == 0, result.stderr
    found = await authenticate(result.stdout.strip().splitlines()[-1])
    assert found is not None and found.user.handle == "hank"


async def test_sign_in_link_prints_a_one_time_console_link(db: str) -> None:
    from domain.sign_in import redeem_sign_in_code

    _flowplane(db, "org", "create", "globex")
    _flowplane(db, "user", "create", "hank", "--org", "globex")
    result = _flowplane(db, "user", "sign-in-link", "hank", "--org", "globex",
                        env_extra={"FLOWPLANE_PUBLIC_URL": "https://flowplane.example"})
    assert result.returncode == 0, result.stderr
    link = result.stdout.strip()
    assert link.startswith("https://flowplane.example/sign-in#code=fpsi_")
    signed_in = await redeem_sign_in_code(link.split("#code=", 1)[1], session_hours=1)
    assert signed_in.user.handle == "hank"
    refused = _flowplane(db, "user", "sign-in-link", "nobody", "--org", "globex")
    assert refused.returncode == 1 and "not a member of 'globex'" in refused.stderr
