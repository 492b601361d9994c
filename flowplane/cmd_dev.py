"""`flowplane dev`: run the platform locally on embedded PostgreSQL and Redis."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from flowplane import dev


async def _seed(home: Path) -> str:
    """Create organization `acme` with `alice` (admin) and `bob` on first start; return
    alice's dev token."""
    from db import engine
    from domain import organizations, tokens

    await engine.migrate()
    token_file = home / "dev-token"
    if await organizations.organization_by_ref(dev.DEV_ORG) is None:
        org = await organizations.create_organization(dev.DEV_ORG, "Acme Inc.")
        user = await tokens.user_by_handle(dev.DEV_USER) or await organizations.create_user(
            dev.DEV_USER
        )
        await organizations.add_member(org["id"], user["id"], "admin")
        # A second member, so sharing can be tried at once (the examples share with bob).
        bob = await tokens.user_by_handle("bob") or await organizations.create_user("bob")
        await organizations.add_member(org["id"], bob["id"], "member")
        issued = await tokens.issue_token(user["id"], org["id"], "dev")
        token_file.write_text(issued.token)
        token_file.chmod(0o600)
    return token_file.read_text().strip() if token_file.exists() else ""


def dev_command(
    host: str = typer.Option("127.0.0.1", help="Address of the API."),
    port: int = typer.Option(8000, help="Port of the API."),
    home: Path = typer.Option(Path(".flowplane"), help="Folder for the embedded servers' data."),
    repo: Path = typer.Option(Path("."), help="Git repository whose workflows.d/ is synced."),
) -> None:
    """Run API, worker, scheduler and sync on embedded PostgreSQL and Redis."""
    home = home.resolve()
    servers = dev.start_servers(home)
    env = {**os.environ, **servers.env, "FLOWPLANE_DEV_MODE": "true",
           "FLOWPLANE_PUBLIC_URL": f"http://{host}:{port}"}
    os.environ.update(env)
    try:
        from flowplane.runtime import run_with_pool

        token = run_with_pool(lambda: _seed(home))
        typer.echo(f"Flowplane is starting at http://{host}:{port}/graphql")
        typer.echo(f"  organization: {dev.DEV_ORG}   user: {dev.DEV_USER}")
        typer.echo(f"  token:        {token or '(see flowplane token create)'}")
        typer.echo(f"  DATABASE_URL={servers.env['DATABASE_URL']}")
        typer.echo(f"  REDIS_URL={servers.env['REDIS_URL']}")
        dev.supervise(dev.dev_parts(host, port, repo.resolve()), env)
    finally:
        servers.stop()


def register(app: typer.Typer) -> None:
    app.command("dev")(dev_command)
