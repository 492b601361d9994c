"""`flowplane export`: workflows as YAML; existing files keep comments and key order."""

from __future__ import annotations

from pathlib import Path

from domain.spec.loader import load_path
from domain.spec.model import WorkflowDocument
from sync.export import export_workflows
from tests.sync.conftest import Syncer
from tests.sync.gitrepo import GitRepo, workflow_yaml

COMMENTED = """\
# Greets people. Keep this comment.
apiVersion: flowplane/v1
kind: Workflow
metadata:
  name: greet
  organization: acme
  public: false   # not for everyone
spec:
  nodes:
    - {id: start, type: transform, params: {value: hello}}  # the only node
  state: draft
"""


async def test_export_writes_what_sync_reads_back_unchanged(
    repo: GitRepo, sync: Syncer, tmp_path: Path
) -> None:
    repo.write("workflows.d/a.yaml", workflow_yaml("a", shared=("bob",), state="active"))
    repo.commit()
    await sync()
    out = tmp_path / "out"

    written = await export_workflows("acme", out)

    assert written == [out / "a.yaml"]
    loaded = load_path(out)
    assert loaded.errors == [] and [d.name for d in loaded.documents] == ["a"]
    text = (out / "a.yaml").read_text()
    assert "sharedWith:\n    - bob" in text and "state: active" in text
    assert "maxAttempts" not in text  # defaults are left out of new files
    repo.write("workflows.d/a.yaml", text)
    repo.commit()
    report = await sync()
    assert report.plan is not None and report.plan.changes == []


async def test_export_updates_an_existing_file_in_place(
    repo: GitRepo, sync: Syncer, tmp_path: Path
) -> None:
    repo.write("workflows.d/greet.yaml", COMMENTED)
    repo.commit()
    await sync()
    out = tmp_path / "out"
    out.mkdir()
    (out / "greet.yaml").write_text(COMMENTED)

    assert await export_workflows("acme", out) == []  # nothing changed: not rewritten

    changed = COMMENTED.replace("value: hello", "value: bye").replace("public: false ",
                                                                       "public: true ")
    repo.write("workflows.d/greet.yaml", changed)
    repo.commit()
    await sync()

    assert await export_workflows("acme", out) == [out / "greet.yaml"]
    text = (out / "greet.yaml").read_text()
    assert _squeezed(text) == _squeezed(changed), text  # comments may keep their column


def _squeezed(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


AUTOSCALED = """\
apiVersion: flowplane/v1
kind: Workflow
metadata: {name: scaled, organization: acme}
spec:
  deployment: {cpu: 1, autoscale: {min: 0, max: 3}}
  nodes:
    - {id: start, type: transform, params: {value: hello}}
"""


async def test_autoscale_round_trips_through_sync_and_export(
    repo: GitRepo, sync: Syncer, tmp_path: Path
) -> None:
    repo.write("workflows.d/scaled.yaml", AUTOSCALED)
    repo.commit()
    await sync()
    out = tmp_path / "out"

    await export_workflows("acme", out)

    (loaded,) = load_path(out).documents
    assert isinstance(loaded.document, WorkflowDocument)
    autoscale = loaded.document.spec.deployment.autoscale
    assert autoscale is not None and (autoscale.minimum, autoscale.maximum) == (0, 3)
    repo.write("workflows.d/scaled.yaml", (out / "scaled.yaml").read_text())
    repo.commit()
    report = await sync()
    assert report.plan is not None and report.plan.changes == []
