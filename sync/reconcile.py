"""One sync run as a straight pipeline: commit -> desired -> live -> plan -> apply -> record.

The run row is written first and finished in a `finally`, so even a run that raised leaves
its outcome. Statuses: succeeded; invalid (only files were invalid: a new commit is needed);
partial (an action failed: the daemon retries); refused; failed (unexpected error).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from domain.access import Actor
from domain.organizations import organization_by_slug, sync_principal
from domain.spec.errors import SpecError
from domain.sync_runs import finish_run, set_sync_statuses, start_run
from sync.apply import ActionResult, apply
from sync.desired import ParseCache, read_desired
from sync.live import load_live
from sync.plan import Plan, PlanOptions, plan
from sync.source import RepoSource
from sync.sync_status import file_results, sync_statuses
from telemetry.logs import log_context
from telemetry.metrics import SYNC_DURATION, SYNC_FILES, SYNC_INVALID, SYNC_RUNS


@dataclass(frozen=True)
class SyncTarget:
    organization: str  # the slug of the organization the repository is bound to
    source: RepoSource
    directory: str = "workflows.d"


@dataclass
class RunReport:
    run_id: int
    status: str = "failed"
    commit: str | None = None
    plan: Plan | None = None
    results: list[ActionResult] = field(default_factory=list)
    errors: list[SpecError] = field(default_factory=list)
    parsed: int = 0
    error: str | None = None


async def service_actor(slug: str) -> Actor:
    """The organization's sync principal: a service user with the admin role."""
    org = await organization_by_slug(slug)
    user = await sync_principal(org.id, slug)
    return Actor(user.id, org.id, "admin", is_service=True)


async def reconcile(
    target: SyncTarget, options: PlanOptions, *, dry_run: bool = False,
    cache: ParseCache | None = None,
) -> RunReport:
    """Run the pipeline once (dry_run: plan and record only, change nothing)."""
    actor = await service_actor(target.organization)
    source = target.source
    branch = await asyncio.to_thread(source.current_branch)
    report = RunReport(await start_run(actor.organization_id, source.location, branch,
                                       dry_run=dry_run))
    started = time.monotonic()
    try:
        with log_context(sync_run=report.run_id):
            await _pipeline(report, target, options, actor, dry_run, cache)
    except Exception as exc:
        report.status, report.error = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        if not dry_run:
            _observe(report, time.monotonic() - started)
        await _record(report)
    return report


def _observe(report: RunReport, seconds: float) -> None:
    SYNC_RUNS.labels(report.status).inc()
    SYNC_DURATION.observe(seconds)
    for verb, count in (report.plan.counts() if report.plan else {}).items():
        if verb != "unchanged":
            SYNC_FILES.labels(verb).inc(count)
    SYNC_INVALID.inc(len(report.errors))


async def _pipeline(
    report: RunReport, target: SyncTarget, options: PlanOptions, actor: Actor, dry_run: bool,
    cache: ParseCache | None,
) -> None:
    source = target.source
    # The live rows load while git is read and parsed (in a thread): neither needs the other.
    loading = asyncio.create_task(load_live(actor.organization_id))
    try:
        report.commit = await asyncio.to_thread(source.head)
        desired = await asyncio.to_thread(read_desired, source.git_dir, report.commit,
                                          target.directory, target.organization, cache)
    except BaseException:
        loading.cancel()
        raise
    live = await loading
    report.plan = plan(desired, live, options)
    report.errors = desired.errors + list(report.plan.errors)
    report.parsed = desired.parsed
    if report.plan.refused:
        report.status = "refused"
        return
    if not dry_run:
        report.results = await apply(report.plan, desired, live, actor)
        statuses = sync_statuses(report.plan, report.results, report.errors)
        await set_sync_statuses(actor.organization_id, statuses)
    failed = any(result.status == "failed" for result in report.results)
    report.status = "partial" if failed else "invalid" if report.errors else "succeeded"


async def _record(report: RunReport) -> None:
    the_plan = report.plan
    await finish_run(
        report.run_id,
        status=report.status,
        commit=report.commit,
        counts=_counts(report),
        plan=[] if the_plan is None else [a.to_json() for a in the_plan.actions],
        files=file_results(the_plan, report.results, report.errors),
        error=report.error or (the_plan.refused if the_plan else None),
    )


def _counts(report: RunReport) -> dict[str, int]:
    counts = {} if report.plan is None else report.plan.counts()
    counts["invalid"] = len(report.errors)
    counts["failed"] = sum(result.status == "failed" for result in report.results)
    return counts
