"""The metrics port of `flowplane local-workers` counts the runs of locally deployed workflows
too: those run in the organization's child process, which writes its figures to the
PROMETHEUS_MULTIPROC_DIR its parent made and sums (and removes when it ends)."""

from __future__ import annotations

from pathlib import Path

from domain.deployments import deploy_workflow
from domain.executions import load_execution, start_execution
from domain.rows import FullExecutionRow
from flowplane.embedded import free_port
from tests.deploy.test_local import available, owner_and_workflow, until
from tests.factory import Factory
from tests.processes import FlowplaneProcess
from tests.scrape import metrics_url, scraped_until, value


def _environ(pid: int) -> dict[str, str]:
    return dict(entry.split("=", 1) for entry in
                Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in entry)


def _files(folder: str) -> list[str] | None:
    """The files in `folder`, None when it does not exist."""
    path = Path(folder)
    return sorted(p.name for p in path.iterdir()) if path.is_dir() else None


async def test_the_parents_port_counts_the_runs_of_its_organization_children(
    factory: Factory, database_url: str, redis_url: str, db: str
) -> None:
    port = free_port()
    workers = FlowplaneProcess(
        ["local-workers", "--interval", "0.1", "--metrics-port", str(port)],
        {"DATABASE_URL": database_url, "REDIS_URL": redis_url},
        drop=("FLOWPLANE_KUBECONFIG", "PROMETHEUS_MULTIPROC_DIR")).start()
    try:
        actor, wid = await owner_and_workflow(factory)
        await deploy_workflow(actor, wid)
        row = await until(lambda: available(wid), "phase AVAILABLE", workers)
        child = int(row.deployment_pod_name)
        assert child != workers.pid
        folder = _environ(workers.pid)["PROMETHEUS_MULTIPROC_DIR"]
        assert _environ(child)["PROMETHEUS_MULTIPROC_DIR"] == folder

        execution = await start_execution(wid, trigger_type="manual",
                                          triggered_by=actor.user_id, input={})

        async def in_state(*states: str) -> FullExecutionRow | None:
            current = await load_execution(int(execution.id))
            return current if current.status in states else None

        running = await until(lambda: in_state("running"), "the execution to run", workers)
        assert str(running.worker_id).endswith(f":{child}")  # the child runs it
        done = await until(lambda: in_state("completed", "failed"), "the end", workers)
        assert done.status == "completed", done.error
        samples = await scraped_until(
            metrics_url(port), lambda s: value(
                s, "flowplane_executions_finished_total", status="completed",
                trigger_type="manual") >= 1, "the child's run counted on the parent's port")
        assert value(samples, "flowplane_executions_finished_total", status="completed",
                     trigger_type="manual") == 1
        assert value(samples, "flowplane_node_runs_total", node_type="delay",
                     status="completed") == 1
        assert _files(folder)  # prometheus_client's files of both processes
    finally:
        workers.stop()
    assert _files(folder) is None  # the parent made it, the parent removed it
