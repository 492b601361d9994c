"""Process bootstrap shared by every command: where the servers are, settings, database pool.

The servers come from DATABASE_URL / REDIS_URL, or, when those are unset, from the
`flowplane dev` running in this checkout: it records its servers in `.flowplane/dev.json`,
found here from the working directory upwards, the way git finds `.git`. There is no default
server: a command that needs one and finds none says so and how to fix it.
"""

from __future__ import annotations

import asyncio
import os
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from db import engine
from domain.settings import Settings, get_settings
from flowplane.dev_record import RECORD_NAME, read_record
from flowplane.errors import CliError, where

T = TypeVar("T")
DEV_FILE = Path(".flowplane") / RECORD_NAME
_URLS = {"DATABASE_URL": "PostgreSQL", "REDIS_URL": "Redis"}
_SCHEMES = {"DATABASE_URL": ("postgresql://", "postgres://"),
            "REDIS_URL": ("redis://", "rediss://", "unix://")}
FIX = ("set {var}, or start `make dev` in this checkout (it records its servers in "
       ".flowplane/dev.json)")
KEY_NAME = "secret-key"  # the dev home's master key of the secret store (mode 0600)


def find_dev_file(start: Path | None = None) -> Path | None:
    """The nearest `.flowplane/dev.json` from `start` (the working directory) upwards."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / DEV_FILE).is_file():
            return candidate / DEV_FILE
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def dev_connection(start: Path | None = None) -> dict[str, str]:
    """DATABASE_URL and REDIS_URL of the running `flowplane dev` of this checkout ({} if none);
    CliError when the file names a `flowplane dev` that is no longer running."""
    path = find_dev_file(start)
    record = None if path is None else read_record(path)
    if record is None:
        return {}
    if not _alive(record.pid):  # killed without the chance to remove its record
        raise CliError(f"{path} names a `flowplane dev` (pid {record.pid}) that is not "
                       "running: start it with `make dev`, or set DATABASE_URL and REDIS_URL")
    found = {"DATABASE_URL": record.DATABASE_URL, "REDIS_URL": record.REDIS_URL}
    assert path is not None  # a record was read from it
    if (path.parent / KEY_NAME).exists() and not os.environ.get("FLOWPLANE_SECRET_KEY"):
        found["FLOWPLANE_SECRET_KEY"] = (path.parent / KEY_NAME).read_text().strip()
    return found


def dev_secret_key(home: Path) -> str:
    """The dev home's master key, generated (readable by this user only) on first use."""
    from domain.secret_store import new_master_key

    path = home / KEY_NAME
    if not path.exists():
        partial = home / f".{KEY_NAME}.partial"
        partial.write_text(new_master_key() + "\n")
        partial.chmod(0o600)
        partial.replace(path)
    return path.read_text().strip()


async def check_secret_key() -> None:
    """Refuse to start a platform process that could not open the organizations' secrets:
    FLOWPLANE_SECRET_KEY malformed, or unset while secrets exist. A deployed workflow's
    worker (FLOWPLANE_WORKFLOW_ID set) never holds the master key: its services, secrets
    resolved, come with its environment."""
    from domain import secret_store
    from domain.errors import DomainError
    from domain.secret_store import WORKER_ORG_ENV
    from domain.services import WORKFLOW_ENV_VAR

    worker_of = os.environ.get(WORKFLOW_ENV_VAR) or os.environ.get(WORKER_ORG_ENV)
    if worker_of and not get_settings().secret_key.get_secret_value():
        return  # a tenant worker: its services, or its organization's data key, come with it

    try:
        secret_store.master_key()
    except DomainError as error:
        if get_settings().secret_key.get_secret_value() or await secret_store.secrets_exist():
            raise CliError(str(error)) from None


def use_dev_connection() -> None:
    """Take DATABASE_URL and REDIS_URL (and the master key of the secret store) from the
    checkout's `flowplane dev` when both are unset (with one set, the servers are configured
    by hand: never mix in dev's)."""
    if any(os.environ.get(key) for key in _URLS):
        return
    os.environ.update(dev_connection())


def bootstrap(*, redis: bool = False) -> Settings:
    """Find the servers, read the settings and point the tables at the database; CliError
    naming the missing server (and the fix) when there is none."""
    use_dev_connection()
    get_settings.cache_clear()  # the environment may have just been completed
    settings = get_settings()
    needed = {"DATABASE_URL": settings.database_url}
    if redis:
        needed["REDIS_URL"] = settings.redis_url
    for var, value in needed.items():
        if not value:
            given = [key for key in _URLS if key != var and os.environ.get(key)]
            fix = (f"set {var} too (with {given[0]} set, the servers of `make dev` are not "
                   "used)") if given else FIX.format(var=var)
            raise CliError(f"no {_URLS[var]} configured: {fix}")
        if not value.startswith(_SCHEMES[var]):
            raise CliError(f"{var} must start with {' or '.join(_SCHEMES[var])}, "
                           f"not {value.split('://')[0]!r}")
    with warnings.catch_warnings():
        # Piccolo's engine asks the server for its version when it is created and warns (in
        # colour) when it cannot; the pool start below then says what is wrong in one line.
        warnings.simplefilter("ignore")
        engine.configure(settings.database_url)
    return settings


def check_redis(url: str) -> None:
    """A quick PING, so an unreachable Redis is one line now (arq would retry for seconds).
    Not for the API: it starts without Redis and reports itself degraded until it answers."""
    from redis import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except RedisError as error:
        raise CliError(f"cannot reach Redis at {where(url)} ({error}): is `make dev` running, "
                       "or is REDIS_URL right?") from None
    finally:
        client.close()


DAEMON_WAIT_SECONDS = 60.0  # how long a long-running process waits for PostgreSQL at start


async def start_pool(max_size: int, wait: float = 0.0) -> None:
    """Open the pool, trying again for `wait` seconds while the server is unreachable (a
    daemon started while PostgreSQL restarts); then an unreachable server is a one-line
    CliError naming it. A one-shot command waits for nothing: a wrong DATABASE_URL is said
    at once."""
    url = engine.engine().config["dsn"]
    try:
        await engine.start_pool(max_size=max_size, wait=wait)
    except engine.UNREACHABLE as error:
        raise CliError(f"cannot reach PostgreSQL at {where(url)} ({_reason(error)}): is "
                       "`make dev` running, or is DATABASE_URL right?") from error


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def run_with_pool(main: Callable[[], Awaitable[T]], max_size: int = 5, *,
                  redis: bool = False, wait: float = 0.0) -> T:
    """Run `main` in a fresh event loop with the database pool open around it; `wait`: see
    `start_pool` (DAEMON_WAIT_SECONDS for the processes that run until stopped)."""

    async def wrapper() -> T:
        await start_pool(max_size, wait)
        try:
            return await main()
        finally:
            await engine.close_pool()

    bootstrap(redis=redis)
    return asyncio.run(wrapper())
