"""`flowplane secret`: an operator's door to the organizations' secret store (values in on
stdin, never out), and the master key: `new-key`, `rotate-key`."""

from __future__ import annotations

import getpass
import sys

import typer

from domain import organizations, secret_store
from domain.pages import Window
from domain.rows import SecretRow
from domain.workflow_reads import users_by_ids
from flowplane._help import examples
from flowplane.cmd_admin import ORG
from flowplane.errors import CliError
from flowplane.runtime import run_with_pool

secret_app = typer.Typer(help="Manage the organizations' secrets and the master key.",
                         no_args_is_help=True)
NAME = typer.Argument(..., metavar="NAME", help="The secret's name (a DNS label).")


def _read_value(what: str) -> str:
    """One value from stdin (one trailing newline dropped), or typed without echo."""
    if sys.stdin.isatty():
        value = getpass.getpass(f"{what}: ")
    else:
        value = sys.stdin.read()
        value = value[:-1] if value.endswith("\n") else value
    if not value:
        raise CliError(f"no {what} on stdin: pipe it in, e.g. `printf %s \"$VALUE\" | ...`")
    return value


@secret_app.command("set", epilog=examples(
    "printf %s \"$WAREHOUSE_PASSWORD\" | flowplane secret set --org acme warehouse-password",
    "flowplane secret set --org acme api-key < api-key.txt"))
def secret_set(org: str = ORG, name: str = NAME) -> None:
    """Store (or replace) a secret read from stdin; workflows reference it as {secret: NAME}."""
    value = _read_value("secret value")

    async def main() -> SecretRow:
        organization = await organizations.organization_by_slug(org)
        return await secret_store.set_secret(organization.id, name, value, actor=None)

    row = run_with_pool(main)
    typer.echo(f"secret {name} of {org} set (version {row.version})")


@secret_app.command("list", epilog=examples("flowplane secret list --org acme"))
def secret_list(org: str = ORG) -> None:
    """List an organization's secrets: names, versions, who set them and when; never values."""
    async def main() -> list[str]:
        organization = await organizations.organization_by_slug(org)
        page = await secret_store.list_secrets(organization.id, Window(size=10_000))
        users = await users_by_ids([row.set_by for row in page.rows if row.set_by])
        return [f"{row.name}\tv{row.version}\t{row.set_at:%Y-%m-%d %H:%M:%S%z}\t"
                f"{users[row.set_by].handle if row.set_by in users else 'operator'}"
                for row in page.rows]

    for line in run_with_pool(main):
        typer.echo(line)


@secret_app.command("delete", epilog=examples("flowplane secret delete --org acme old-api-key"))
def secret_delete(org: str = ORG, name: str = NAME) -> None:
    """Delete a secret (references to it then fail to resolve, with their name)."""
    async def main() -> None:
        organization = await organizations.organization_by_slug(org)
        await secret_store.delete_secret(organization.id, name, actor=None)

    run_with_pool(main)
    typer.echo(f"secret {name} of {org} deleted")


@secret_app.command("new-key", epilog=examples(
    "flowplane secret new-key > /run/keys/flowplane-secret-key"))
def new_key() -> None:
    """Print a fresh master key for FLOWPLANE_SECRET_KEY."""
    typer.echo(secret_store.new_master_key())


@secret_app.command("rotate-key", epilog=examples(
    "flowplane secret rotate-key < new.key   # new.key from `flowplane secret new-key`",
    "FLOWPLANE_SECRET_KEY=$(cat old.key) flowplane secret rotate-key < new.key"))
def rotate_key() -> None:
    """Re-wrap every organization's data key from FLOWPLANE_SECRET_KEY (the old master key)
    to the new one read from stdin, in one transaction; then give every platform process the
    new key (the old one opens nothing any more)."""
    new = secret_store.parse_master_key(_read_value("new master key"), "the new key on stdin")

    async def main() -> int:
        return await secret_store.rotate_master_key(secret_store.master_key(), new)

    count = run_with_pool(main)
    typer.echo(f"re-wrapped the data keys of {count} organization(s): set FLOWPLANE_SECRET_KEY "
               "to the new key in every platform process")


def register(app: typer.Typer) -> None:
    app.add_typer(secret_app, name="secret")
