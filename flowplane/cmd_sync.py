"""Commands of the sync area: `flowplane sync` (the git reconciler) and `flowplane export`."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path
from typing import cast

import typer
from rich.console import Console

from flowplane._help import examples
from flowplane.errors import CliError
from flowplane.observability import METRICS_PORT_OPTION, observe
from flowplane.runtime import DAEMON_WAIT_SECONDS, bootstrap, check_secret_key, run_with_pool
from sync.actions import PruneMode
from sync.daemon import Daemon, DaemonSettings, run_once
from sync.durations import parse_duration
from sync.plan import PlanOptions
from sync.reconcile import RunReport, SyncTarget
from sync.render import errors_table, has_rows, plan_table, render, summary
from sync.source import Credentials, RepoSource, parse_secret_ref
from telemetry.logs import log_context

PRUNE_MODES = ("archive", "delete", "off")


def _duration(option: str, text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise CliError(f"{option}: {exc}", exit_code=2) from None


def _credentials(token_ref: str | None, ssh_key_ref: str | None) -> Credentials:
    try:
        return Credentials(
            token_ref=parse_secret_ref(token_ref) if token_ref else None,
            ssh_key_ref=parse_secret_ref(ssh_key_ref) if ssh_key_ref else None,
        )
    except ValueError as exc:
        raise CliError(str(exc), exit_code=2) from None


def _source(repo: str, branch: str | None, cache_dir: Path, credentials: Credentials
            ) -> RepoSource:
    source = RepoSource(repo, branch, cache_dir, credentials)
    if source.remote:
        return source
    path = Path(repo).resolve()
    if not path.is_dir():
        raise CliError(f"--repo: {repo} is not a folder (give a git checkout or a URL)")
    if not (path / ".git").exists() and not (path / "HEAD").is_file():
        raise CliError(f"--repo: {repo} is not a git repository (run `git init` there, or give "
                       "the repository's URL)")
    source.location = str(path)
    return source


SYNC_EXAMPLES = examples(
    "flowplane sync --repo . --org acme --once --dry-run   # print the plan, change nothing",
    "flowplane sync --repo . --org acme --once",
    "flowplane sync --repo https://git.example/acme/flows.git --org acme --branch main "
    "--token-ref env:GIT_TOKEN",
)


def sync_command(
    repo: str = typer.Option(..., "--repo", metavar="PATH|URL",
                             help="A local git checkout, or the URL of a repository."),
    org: str = typer.Option(..., "--org", metavar="SLUG",
                            help="Slug of the organization the repository is bound to."),
    branch: str | None = typer.Option(
        None, metavar="BRANCH", show_default=False,
        help="Branch to follow. Default: a local checkout is followed on whichever branch is "
             "checked out (re-read every poll); a URL on main."),
    directory: str = typer.Option("workflows.d", "--dir", metavar="FOLDER",
                                  help="Folder of the YAML documents in the repository."),
    interval: str = typer.Option("10s", metavar="DURATION", help="Polling interval (2s, 1m)."),
    resync: str = typer.Option("5m", metavar="DURATION",
                               help="Reconcile at least this often, to correct drift."),
    once: bool = typer.Option(False, "--once", help="Run one reconcile and exit."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; change nothing."),
    prune: str = typer.Option("archive", metavar="archive|delete|off",
                              help="What happens to workflows whose file was removed."),
    allow_empty: bool = typer.Option(False, "--allow-empty",
                                     help="Allow a commit that prunes every managed workflow."),
    cache_dir: Path = typer.Option(Path(".flowplane/sync-cache"), metavar="FOLDER",
                                   help="Where remote repositories are cloned."),
    token_ref: str | None = typer.Option(None, metavar="REF", help="HTTPS token: env:NAME, "
                                         "file:PATH or secret:NAME/KEY."),
    ssh_key_ref: str | None = typer.Option(None, metavar="REF",
                                           help="SSH private key, as a secret reference."),
    metrics_port: int | None = METRICS_PORT_OPTION,
) -> None:
    """Reconcile the YAML of a git repository into an organization, once or as a daemon."""
    if prune not in PRUNE_MODES:
        raise CliError(f"--prune must be one of {', '.join(PRUNE_MODES)}, not {prune!r}",
                       exit_code=2)
    source = _source(repo, branch, cache_dir, _credentials(token_ref, ssh_key_ref))
    target = SyncTarget(org, source, directory)
    options = PlanOptions(prune=cast(PruneMode, prune), allow_empty=allow_empty)
    settings = DaemonSettings(interval=_duration("--interval", interval),
                              resync=_duration("--resync", resync))
    if dry_run or once:
        report = run_with_pool(lambda: run_once(target, options, dry_run=dry_run),
                               redis=not dry_run)
        if report is None:
            typer.echo(f"another sync daemon holds the lock for {source.location}", err=True)
            raise typer.Exit(code=3)
        _print_report(report, dry_run)
        raise typer.Exit(code=0 if report.status == "succeeded" else 1)
    bootstrap(redis=True)
    observe("sync", metrics_port)
    run_with_pool(lambda: _daemon(target, options, settings), max_size=3, redis=True,
                  wait=DAEMON_WAIT_SECONDS)


async def _daemon(target: SyncTarget, options: PlanOptions, settings: DaemonSettings) -> None:
    await check_secret_key()  # its deploys hand workflows their secrets
    daemon = Daemon(target, options, settings, on_report=_log_report)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, daemon.stopping.set)
    await daemon.run()


def _log_report(report: RunReport) -> None:
    commit = (report.commit or "?")[:12]
    done = summary(report.plan) if report.plan else report.error
    with log_context(sync_run=report.run_id):
        logging.getLogger("flowplane.sync").info(
            "run %d at %s: %s; %d invalid, %d parsed (%s)", report.run_id, commit, done,
            len(report.errors), report.parsed, report.status)


def _print_report(report: RunReport, dry_run: bool) -> None:
    console = Console(width=160)
    if report.plan is None:
        console.print(f"run {report.run_id} failed: {report.error}", highlight=False)
        return
    if dry_run:
        console.print(render(report.plan, report.errors), end="", highlight=False)
        return
    if has_rows(report.plan):
        console.print(plan_table(report.plan))
    if report.errors:
        console.print(errors_table(report.errors))
    failed = [r for r in report.results if r.status == "failed"]
    for result in failed:
        console.print(f"failed: {result.action.kind} {result.action.name}: {result.error}",
                      highlight=False)
    console.print(f"run {report.run_id} {report.status}: {summary(report.plan)}", highlight=False)


def export_command(
    org: str = typer.Option(..., "--org", metavar="SLUG",
                            help="Slug of the organization to export."),
    out: Path = typer.Option(..., "--out", metavar="FOLDER",
                             help="Folder to write the YAML files into (created if missing)."),
) -> None:
    """Write the organization's workflows as YAML (existing files are updated in place)."""
    if out.exists() and not out.is_dir():
        raise CliError(f"--out: {out} is a file, not a folder")
    from sync.export import export_workflows

    written = run_with_pool(lambda: export_workflows(org, out))
    for path in written:
        typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add this area's commands to `app`."""
    app.command("sync", epilog=SYNC_EXAMPLES)(sync_command)
    app.command("export", epilog=examples(
        "flowplane export --org acme --out workflows.d   # then commit: git takes over"))(
        export_command)
