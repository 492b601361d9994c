"""Admin commands: migrate, organizations, users, tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import typer

from db import engine
from domain import organizations, tokens
from domain.errors import DomainError
from flowplane.runtime import run_with_pool

org_app = typer.Typer(help="Manage organizations.", no_args_is_help=True)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
T = TypeVar("T")

token_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)


def migrate() -> None:
    """Apply pending database migrations."""
    run_with_pool(engine.migrate)
    typer.echo("database is up to date")


@org_app.command("create")
def org_create(slug: str, name: str = typer.Option("", help="Display name.")) -> None:
    """Create an organization."""
    org = run_with_pool(lambda: organizations.create_organization(slug, name or None))
    typer.echo(f"organization {org['slug']} created (id {org['id']})")


@user_app.command("create")
def user_create(
    handle: str,
    org: str = typer.Option(..., help="Organization slug the user joins."),
    admin: bool = typer.Option(False, help="Make the user an organization admin."),
) -> None:
    """Create a user and add them to an organization (an existing user is added as is)."""

    async def main() -> dict[str, object]:
        organization = await organizations.organization_by_slug(org)
        user = await tokens.user_by_handle(handle) or await organizations.create_user(handle)
        await organizations.add_member(
            organization["id"], user["id"], "admin" if admin else "member"
        )
        return user

    _run_or_exit(main, lambda user: f"user {handle} (id {user['id']}) is a member of {org}")


@token_app.command("create")
def token_create(
    org: str = typer.Option(..., help="Organization slug the token is scoped to."),
    user: str = typer.Option(..., help="Handle of the user the token acts as."),
    name: str = typer.Option("cli", help="A name to recognise the token by."),
    days: int = typer.Option(90, help="Days until the token expires (0: never)."),
) -> None:
    """Create an API token and print it once (only its hash is stored)."""

    async def main() -> tokens.IssuedToken:
        organization = await organizations.organization_by_slug(org)
        account = await tokens.user_by_handle(user)
        if account is None or await organizations.membership_role(
            organization["id"], account["id"]
        ) is None:
            raise DomainError(f"user {user!r} is not a member of {org!r}")
        expires = datetime.now(UTC) + timedelta(days=days) if days else None
        return await tokens.issue_token(account["id"], organization["id"], name, expires)

    _run_or_exit(main, lambda issued: issued.token)


def _run_or_exit(main: Callable[[], Awaitable[T]], message: Callable[[T], str]) -> None:
    try:
        result = run_with_pool(main)
    except DomainError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(message(result))


def register(app: typer.Typer) -> None:
    app.command()(migrate)
    app.add_typer(org_app, name="org")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
