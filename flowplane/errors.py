"""Expected failures of a command, as one line for the terminal.

Commands raise `CliError` (or let a `DomainError`, an unreachable server, a unique violation or
a bad path escape); `flowplane.cli.main` prints `describe(error)` and exits non-zero. The
traceback is for `flowplane --debug ...` only.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import asyncpg
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from domain.errors import DomainError
from sync.git import GitError


class CliError(Exception):
    """A failure the user can fix; the message says what is wrong and how to fix it."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def where(url: str) -> str:
    """host:port/database of a connection URL, without its credentials."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path if parts.path not in ('', '/') else ''}"


def _postgres(error: asyncpg.PostgresError) -> str:
    if isinstance(error, asyncpg.UniqueViolationError):
        # detail reads `Key (slug)=(acme) already exists.`
        return f"already exists: {(error.detail or str(error)).rstrip('.')}"
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return f"{error}: create it, or point DATABASE_URL at an existing database"
    if isinstance(error, asyncpg.InvalidAuthorizationSpecificationError):
        return f"PostgreSQL refused the login: {error}"
    if isinstance(error, asyncpg.UndefinedTableError):
        return f"{error}: the database is not migrated; run `flowplane migrate`"
    return f"PostgreSQL: {error}"


def describe(error: BaseException) -> str:
    """One line saying what went wrong (and, where we know it, what to do)."""
    if isinstance(error, CliError | DomainError | GitError):
        return str(error)
    if isinstance(error, asyncpg.PostgresError):
        return _postgres(error)
    if isinstance(error, RedisConnectionError):
        return f"cannot reach Redis: {error}"
    if isinstance(error, RedisError):
        return f"Redis: {error}"
    if isinstance(error, FileNotFoundError | NotADirectoryError | IsADirectoryError
                  | PermissionError | FileExistsError):
        return f"{error.strerror}: {error.filename}"
    text = str(error).strip().splitlines()
    detail = f": {text[0]}" if text else ""
    return f"unexpected {type(error).__name__}{detail} (run `flowplane --debug ...` for details)"
