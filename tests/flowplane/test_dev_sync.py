"""Issue 7's promise under `flowplane dev`: a workflow file committed to the repository appears
(and, being `state: active`, is deployed on the local workers) within seconds; deleting the
file and committing archives it. Uncommitted files never appear. The sync follows the branch
checked out now, and a file added back records the commit that restored it (issue 18)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.processes import DevPlatform, scratch_dir
from tests.sync.gitrepo import GitRepo, workflow_yaml

QUERY = ("{ workflows(first: 20) { edges { node { name status managedBy deploymentPhase "
         "sourceCommit } } } }")


def _workflows(port: int, token: str) -> dict[str, dict[str, Any]]:
    response = httpx.post(
        f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, timeout=5,
        headers={"Authorization": f"Bearer {token}", "X-Organization-ID": "acme"},
    )
    edges = response.json()["data"]["workflows"]["edges"]
    return {edge["node"]["name"]: edge["node"] for edge in edges}


def _wait_for(check: Any, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, KeyError, TypeError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"not reached: {what}")


def test_committed_workflow_appears_deploys_and_is_archived_when_deleted() -> None:
    with scratch_dir("flowplane-dev-") as folder:
        _synced_from_the_checkout(GitRepo(folder / "repo"))


def _synced_from_the_checkout(repo: GitRepo) -> None:
    repo.write(".gitignore", ".flowplane/\n")  # the dev home lives in the checkout
    repo.write("workflows.d/greet.yaml", workflow_yaml("greet", state="active"))
    # A second workflow stays: a commit pruning every managed workflow at once is refused.
    repo.write("workflows.d/keep.yaml", workflow_yaml("keep")).commit("greet and keep")
    repo.write("workflows.d/draft-only.yaml", workflow_yaml("draft-only"))  # not committed
    dev = DevPlatform(repo.root).start()
    port, token = dev.port, dev.token
    try:
        _wait_for(lambda: _workflows(port, token)["greet"]["deploymentPhase"] == "AVAILABLE",
                  "greet synced and deployed")
        greet = _workflows(port, token)["greet"]
        assert (greet["status"], greet["managedBy"]) == ("ACTIVE", "GIT")
        assert "draft-only" not in _workflows(port, token)

        (repo.root / "workflows.d/draft-only.yaml").unlink()
        repo.remove("workflows.d/greet.yaml").commit("remove greet")
        _wait_for(lambda: _workflows(port, token)["greet"]["status"] == "ARCHIVED",
                  "greet archived")
        assert _workflows(port, token)["greet"]["deploymentPhase"] is None
        assert _workflows(port, token)["keep"]["status"] == "DRAFT"

        repo.switch("feature", create=True)  # no restart: the sync follows the checkout
        restored = repo.write("workflows.d/greet.yaml", workflow_yaml("greet", state="active")
                              ).commit("greet is back, on feature")
        _wait_for(lambda: _workflows(port, token)["greet"]["status"] == "ACTIVE",
                  "greet restored from the feature branch")
        assert _workflows(port, token)["greet"]["sourceCommit"] == restored
    finally:
        dev.stop()
