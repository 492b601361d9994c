"""Admin commands: migrate, organizations, users, tokens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import typer

from db import engine
from domain import organizations, sign_in, tokens
from domain.rows import OrganizationRow, UserRow
from domain.settings import get_settings
from flowplane._help import examples
from flowplane.errors import CliError
from flowplane.runtime import run_with_pool

org_app = typer.Typer(help="Manage organizations.", no_args_is_help=True)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
token_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)

# A slug names the organization's Kubernetes namespace (`fp-<slug>`): a DNS-1123 label.
SLUG = re.compile(r"^[a-z0-9]([-a-z0-9]{0,58}[a-z0-9])?$")
ORG = typer.Option(..., "--org", metavar="SLUG", help="Slug of the organization.")


def migrate() -> None:
    """Apply pending database migrations (safe to repeat; one migrator at a time)."""
    summary = run_with_pool(engine.migrate)
    typer.echo(str(summary))


@org_app.command("create", epilog=examples(
    "flowplane org create globex --name 'Globex Corp.'",
    "flowplane org create globex --exist-ok   # in a set-up script: fine if it exists"))
def org_create(
    slug: str = typer.Argument(..., metavar="SLUG",
                               help="Short name: lowercase letters, digits and '-'."),
    name: str = typer.Option("", metavar="TEXT", help="Display name (default: the slug)."),
    exist_ok: bool = typer.Option(False, "--exist-ok",
                                  help="Succeed when the organization exists (for scripts)."),
) -> None:
    """Create an organization."""
    if not SLUG.match(slug):
        raise CliError(f"{slug!r} is not a valid slug: lowercase letters, digits and '-', "
                       "starting and ending with a letter or digit, at most 60 characters")

    async def main() -> tuple[OrganizationRow, bool]:
        existing = await organizations.organization_by_ref(slug)
        if existing is None:
            return await organizations.create_organization(slug, name or None), True
        if not exist_ok:
            raise CliError(f"organization {slug!r} already exists")
        return existing, False

    org, created = run_with_pool(main)
    typer.echo(f"organization {org.slug} {'created' if created else 'exists'} "
               f"(id {org.id})")


@user_app.command("create", epilog=examples(
    "flowplane user create hank --org globex --admin",
    "flowplane user create alice --org globex   # alice already exists: she joins globex"))
def user_create(
    handle: str = typer.Argument(..., metavar="HANDLE", help="The user's login handle."),
    org: str = ORG,
    admin: bool = typer.Option(False, "--admin", help="Make the user an organization admin."),
) -> None:
    """Create a user and add them to an organization (an existing user is added as is)."""
    async def main() -> UserRow:
        organization = await organizations.organization_by_slug(org)
        user = await tokens.user_by_handle(handle) or await organizations.create_user(handle)
        await organizations.add_member(
            organization.id, user.id, "admin" if admin else "member"
        )
        return user

    user = run_with_pool(main)
    typer.echo(f"user {handle} (id {user.id}) is a member of {org}")


@user_app.command("sign-in-link", epilog=examples(
    "flowplane user sign-in-link alice --org acme",
    "flowplane user sign-in-link alice --org acme --minutes 60"))
def user_sign_in_link(
    handle: str = typer.Argument(..., metavar="HANDLE", help="The user who signs in."),
    org: str = ORG,
    minutes: int = typer.Option(sign_in.CODE_MINUTES, metavar="MINUTES", min=1, max=24 * 60,
                                help="Minutes until the link expires."),
) -> None:
    """Print a one-time link that signs the user in to the web console (works once)."""
    public_url = get_settings().public_url
    typer.echo(run_with_pool(lambda: sign_in.sign_in_link(public_url, handle, org, minutes)))


@token_app.command("create", epilog=examples(
    "flowplane token create --org acme --user alice",
    "flowplane token create --org acme --user alice --name ci --days 30"))
def token_create(
    org: str = ORG,
    user: str = typer.Option(..., "--user", metavar="HANDLE",
                             help="The user the token acts as (a member of the organization)."),
    name: str = typer.Option("cli", metavar="TEXT", help="A name to recognise the token by."),
    days: int = typer.Option(90, metavar="DAYS", min=0,
                             help="Days until the token expires (0: never)."),
) -> None:
    """Create an API token and print it once (only its hash is stored)."""

    async def main() -> tokens.IssuedToken:
        organization = await organizations.organization_by_slug(org)
        account = await tokens.user_by_handle(user)
        if account is None:
            raise CliError(f"user {user!r} does not exist: create it with "
                           f"`flowplane user create {user} --org {org}`")
        if await organizations.membership_role(organization.id, account.id) is None:
            raise CliError(f"user {user!r} is not a member of {org!r}")
        expires = datetime.now(UTC) + timedelta(days=days) if days else None
        return await tokens.issue_token(account.id, organization.id, name, expires)

    typer.echo(run_with_pool(main).token)


def register(app: typer.Typer) -> None:
    app.command(epilog=examples(
        "flowplane migrate", "DATABASE_URL=postgresql://flowplane@db/flowplane flowplane migrate",
    ))(migrate)
    app.add_typer(org_app, name="org")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
