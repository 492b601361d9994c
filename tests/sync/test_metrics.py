"""The sync daemon's metrics, scraped from a real `flowplane sync` process: runs by result,
their duration, planned changes by action and invalid files."""

from __future__ import annotations

from typing import Any

from flowplane.embedded import free_port
from tests.processes import FlowplaneProcess
from tests.scrape import answers, metrics_url, scraped_until, value
from tests.sync.gitrepo import GitRepo, workflow_yaml


def _ran(samples: dict[Any, float], result: str) -> bool:
    return value(samples, "flowplane_sync_runs_total", result=result) >= 1


async def test_sync_daemon_counts_runs_changes_and_invalid_files(
    repo: GitRepo, acme: dict[str, Any], database_url: str
) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a"))
    repo.write("workflows.d/b.yaml", workflow_yaml("b", state="active"))
    repo.write("workflows.d/broken.yaml", "apiVersion: flowplane/v1\nkind: Workflow\n")
    repo.commit()
    port = free_port()
    daemon = FlowplaneProcess(["sync", "--repo", str(repo.root), "--org", "acme",
                               "--interval", "100ms", "--metrics-port", str(port)],
                              {"DATABASE_URL": database_url}).start()
    url = metrics_url(port)
    try:
        daemon.wait_until(lambda: answers(url), f"{url} answering")
        first = await scraped_until(url, lambda s: _ran(s, "invalid"), "an invalid run")
        repo.write("workflows.d/broken.yaml", workflow_yaml("c"))
        repo.commit()
        second = await scraped_until(url, lambda s: _ran(s, "succeeded"), "a clean run")
    finally:
        daemon.stop()
    assert value(first, "flowplane_sync_files_total", action="create") == 2
    assert value(first, "flowplane_sync_invalid_files_total") >= 1
    assert value(second, "flowplane_sync_files_total", action="create") == 3
    assert value(second, "flowplane_sync_invalid_files_total") == value(
        first, "flowplane_sync_invalid_files_total")
    assert value(second, "flowplane_sync_run_duration_seconds_count") == value(
        second, "flowplane_sync_runs_total", result="invalid") + 1
