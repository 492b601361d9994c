"""`params.file` of python nodes through a real git repository: the file's content becomes
the stored `params.code`, a change to it alone is a new version, and files outside the
synced directory, symlinks and oversized files are refused with the node's field path."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from db.tables import Workflow, WorkflowRevision
from sync.code_files import MAX_CODE_FILE_BYTES
from tests.sync.conftest import Syncer
from tests.sync.gitrepo import GitRepo

CODE = "def main(inputs):\n    return {'score': 1}\n"


def python_yaml(file: str) -> str:
    return ("apiVersion: flowplane/v1\nkind: Workflow\nmetadata:\n  name: scorer\n"
            "  organization: acme\nspec:\n  nodes:\n"
            f"    - {{id: score, type: python, params: {{file: {json.dumps(file)}}}}}\n")


async def _node() -> dict[str, Any]:
    row = await Workflow.select().where(Workflow.name == "scorer").first()
    assert row is not None
    return dict(json.loads(row["nodes"])[0])


async def test_file_content_is_stored_and_versions_with_the_file(
    repo: GitRepo, sync: Syncer
) -> None:
    repo.write("workflows.d/team/scorer.yaml", python_yaml("code/score.py"))
    repo.write("workflows.d/team/code/score.py", CODE)
    repo.commit()
    assert (await sync()).status == "succeeded"
    assert (await _node())["params"] == {"file": "code/score.py", "code": CODE}

    changed = CODE.replace("1", "2")
    repo.write("workflows.d/team/code/score.py", changed)  # the YAML is unchanged
    repo.commit()
    assert (await sync()).status == "succeeded"
    assert (await _node())["params"]["code"] == changed
    assert await WorkflowRevision.count() == 2


@pytest.mark.parametrize(("file", "message"), [
    ("../../outside.py", "is outside workflows.d/"),
    ("/etc/passwd.py", "is outside workflows.d/"),
    ("missing.py", "does not exist at this commit"),
    ("link.py", "is a symlink"),
    ("linked/score.py", "does not exist at this commit (or a directory on its way is a "
                        "symlink)"),
    ("big.py", f"above the limit of {MAX_CODE_FILE_BYTES}"),
    ("notes.txt", "is not a .py file"),
])
async def test_bad_files_are_refused_with_the_field_path(
    repo: GitRepo, sync: Syncer, file: str, message: str
) -> None:
    repo.write("outside.py", CODE)
    repo.write("workflows.d/real/score.py", CODE)
    repo.write("workflows.d/big.py", "#" * (MAX_CODE_FILE_BYTES + 1))
    repo.write("workflows.d/notes.txt", CODE)
    os.symlink("real/score.py", repo.root / "workflows.d/link.py")
    os.symlink("real", repo.root / "workflows.d/linked")
    repo.write("workflows.d/scorer.yaml", python_yaml(file))
    repo.commit()
    report = await sync()
    (error,) = report.errors
    assert (error.file, error.field) == ("workflows.d/scorer.yaml",
                                         "spec.nodes[0].params.file")
    assert message in error.message
    assert await Workflow.count() == 0


EXAMPLES = Path(__file__).parents[2] / "workflows.d"


async def test_the_example_python_workflow_runs_from_git(
    repo: GitRepo, sync: Syncer, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from domain.executions import load_execution, start_execution
    from domain.settings import get_settings
    from tests.engine.conftest import drain

    monkeypatch.setenv("FLOWPLANE_SANDBOX", "auto")  # bubblewrap where it works
    get_settings.cache_clear()
    for name in ("hello-python.yaml", "hello-python.py"):
        repo.write(f"workflows.d/{name}", (EXAMPLES / name).read_text())
    repo.commit()
    assert (await sync()).status == "succeeded"
    row = await Workflow.select(Workflow.id).where(Workflow.name == "hello-python").first()
    assert row is not None
    started = await start_execution(row["id"], trigger_type="manual", triggered_by=None,
                                    input={"name": "Ada"})
    await drain(redis_url)
    done = await load_execution(started.id)
    get_settings.cache_clear()
    assert done.status == "completed", done.error
    assert done.outputs["greet"]["output"]["greetings"] == ["Hello, Ada!", "Hello, Grace!"]
