"""The planner is pure: table-driven cases from YAML text and live rows, no I/O."""

from __future__ import annotations

from typing import Any

import pytest

from domain.rows import WorkflowRow
from domain.spec.definition import WorkflowDefinition
from domain.spec.loader import load_text
from domain.spec.model import WorkflowDocument
from sync.desired import DesiredState, build_desired
from sync.live import LiveState, LiveWorkflow
from sync.plan import Plan, PlanOptions, plan
from tests.sync.gitrepo import workflow_yaml

ORG = "acme"


def desired(files: dict[str, str]) -> DesiredState:
    return build_desired("c0ffee", {p: load_text(t, p) for p, t in files.items()}, ORG)


def live_workflow(
    name: str, *, managed: str = "git", status: str = "draft", path: str | None = None,
    value: str = "hello", public: bool = False, shared: tuple[str, ...] = (), **yaml: Any,
) -> LiveWorkflow:
    path = path or f"workflows.d/{name}.yaml"
    loaded = load_text(workflow_yaml(name, value=value, **yaml), path).documents[0]
    assert isinstance(loaded.document, WorkflowDocument)
    definition = WorkflowDefinition.from_document(loaded.document).to_json()
    row = dict.fromkeys(WorkflowRow.columns()) | {
        "id": abs(hash(name)) % 10_000, "name": name, "managed_by": managed, "status": status,
        "version": 1, "source_path": path if managed == "git" else None, "is_public": public,
        "description": definition["description"], "tags": definition["tags"],
        "trigger": definition["trigger"], "settings": definition["settings"],
        "deployment_settings": definition["deployment"], "nodes": definition["nodes"],
        "connections": definition["connections"],
    }
    return LiveWorkflow(WorkflowRow.from_columns(row), "alice", frozenset(shared))


def live(*workflows: LiveWorkflow) -> LiveState:
    return LiveState(1, {str(w.row.name): w for w in workflows},
                     members={"alice": 1, "bob": 2})


def verbs(result: Plan) -> list[tuple[str, str, str | None]]:
    return [(a.verb, a.name, a.target) for a in result.actions]


def wf(name: str, **kwargs: Any) -> dict[str, str]:
    return {f"workflows.d/{name}.yaml": workflow_yaml(name, **kwargs)}


CASES: list[tuple[str, dict[str, str], list[LiveWorkflow], PlanOptions, list[Any]]] = [
    ("new draft is created", wf("a"), [], PlanOptions(),
     [("create", "a", None)]),
    ("new active workflow is created then deployed", wf("a", state="active"), [], PlanOptions(),
     [("create", "a", None), ("deploy", "a", "active")]),
    ("same definition is unchanged", wf("a"), [live_workflow("a")], PlanOptions(),
     [("unchanged", "a", None)]),
    ("changed definition is an update", wf("a", value="bye"), [live_workflow("a")],
     PlanOptions(), [("update", "a", None)]),
    ("state active deploys without an update", wf("a", state="active"), [live_workflow("a")],
     PlanOptions(), [("deploy", "a", "active")]),
    ("state paused undeploys an active workflow", wf("a", state="paused"),
     [live_workflow("a", status="active")], PlanOptions(), [("undeploy", "a", "paused")]),
    ("state archived archives", wf("a", state="archived"), [live_workflow("a")], PlanOptions(),
     [("archive", "a", "archived")]),
    ("a deploy by hand is drift: undeployed back to draft", wf("a"),
     [live_workflow("a", status="active")], PlanOptions(), [("undeploy", "a", "draft")]),
    ("same name created through the API is a conflict", wf("a"),
     [live_workflow("a", managed="api")], PlanOptions(), [("conflict", "a", None)]),
    ("removed file is pruned by archiving", wf("b"), [live_workflow("a"), live_workflow("b")],
     PlanOptions(), [("unchanged", "b", None), ("prune", "a", "archive")]),
    ("removed file is deleted with prune delete", wf("b"),
     [live_workflow("a"), live_workflow("b")], PlanOptions(prune="delete"),
     [("unchanged", "b", None), ("prune", "a", "delete")]),
    ("prune off leaves a removed workflow", wf("b"), [live_workflow("a"), live_workflow("b")],
     PlanOptions(prune="off"), [("unchanged", "b", None), ("skip", "a", None)]),
    ("an archived orphan is unchanged", wf("b"),
     [live_workflow("a", status="archived"), live_workflow("b")], PlanOptions(),
     [("unchanged", "b", None), ("unchanged", "a", None)]),
    ("API workflows missing from git are not ours", {}, [live_workflow("a", managed="api")],
     PlanOptions(), []),
    ("unknown sharedWith user skips the workflow", wf("a", shared=("zed",)), [], PlanOptions(),
     [("skip", "a", None)]),
    ("unknown owner skips the workflow", wf("a", owner="zed"), [live_workflow("a")],
     PlanOptions(), [("skip", "a", None)]),
    ("another owner is an update", wf("a", owner="bob"), [live_workflow("a")], PlanOptions(),
     [("update", "a", None)]),
    ("the same owner is unchanged", wf("a", owner="alice"), [live_workflow("a")],
     PlanOptions(), [("unchanged", "a", None)]),
    ("no owner in git keeps the owner", wf("a"), [live_workflow("a")], PlanOptions(),
     [("unchanged", "a", None)]),
]


@pytest.mark.parametrize(("files", "rows", "options", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_plan_cases(
    files: dict[str, str], rows: list[LiveWorkflow], options: PlanOptions, expected: list[Any]
) -> None:
    assert verbs(plan(desired(files), live(*rows), options)) == expected


def test_plan_reports_an_owner_change_without_a_new_version() -> None:
    result = plan(desired(wf("a", owner="bob")), live(live_workflow("a")), PlanOptions())
    (update,) = result.changes
    assert update.changes == ("owner",) and update.reason == "owner changed"


def test_unknown_owner_is_a_file_error() -> None:
    result = plan(desired(wf("a", owner="zed")), live(), PlanOptions())
    (error,) = result.errors
    assert (error.file, error.field) == ("workflows.d/a.yaml", "metadata.owner")
    assert "zed is not a member" in error.message


def test_plan_moves_a_renamed_file_without_a_new_version() -> None:
    files = {"workflows.d/new/a.yaml": workflow_yaml("a")}
    result = plan(desired(files), live(live_workflow("a", path="workflows.d/a.yaml")),
                  PlanOptions())
    (action,) = result.actions
    assert (action.verb, action.changes) == ("update", ("sourcePath",))
    assert "moved from workflows.d/a.yaml to workflows.d/new/a.yaml" in action.reason
    assert "version" not in action.reason


def test_plan_names_the_changed_definition_fields_and_next_version() -> None:
    result = plan(desired(wf("a", value="bye", description="new")), live(live_workflow("a")),
                  PlanOptions())
    (action,) = result.actions
    assert action.changes == ("description", "nodes")
    assert "version 1 -> 2" in action.reason


def test_plan_refuses_to_prune_every_managed_workflow() -> None:
    result = plan(desired({}), live(live_workflow("a"), live_workflow("b")), PlanOptions())
    assert result.refused is not None and "--allow-empty" in result.refused
    assert result.changes == []
    allowed = plan(desired({}), live(live_workflow("a")), PlanOptions(allow_empty=True))
    assert allowed.refused is None and [a.verb for a in allowed.changes] == ["prune"]


def test_plan_holds_workflows_of_an_invalid_file() -> None:
    files = {"workflows.d/a.yaml": "apiVersion: flowplane/v1\nkind: Workflow\nmetadata: [",
             **wf("b")}
    result = plan(desired(files), live(live_workflow("a"), live_workflow("b")), PlanOptions())
    assert verbs(result) == [("unchanged", "b", None), ("skip", "a", None)]
    assert "keeps its last good state" in result.actions[1].reason


def test_plan_is_refused_only_for_managed_rows_not_held_ones() -> None:
    files = {"workflows.d/a.yaml": "kind: [", "workflows.d/b.yaml": "kind: ["}
    result = plan(desired(files), live(live_workflow("a"), live_workflow("b")), PlanOptions())
    assert result.refused is None and result.changes == []


def test_document_of_another_organization_is_a_file_error() -> None:
    state = desired({"workflows.d/a.yaml": workflow_yaml("a", org="globex"), **wf("b")})
    assert list(state.workflows) == ["b"]
    (error,) = state.errors
    assert (error.file, error.field) == ("workflows.d/a.yaml", "metadata.organization")
    assert "'globex'" in error.message and "'acme'" in error.message


def test_name_declared_in_two_files_is_applied_from_neither() -> None:
    state = desired({"workflows.d/a.yaml": workflow_yaml("a"),
                     "workflows.d/z.yaml": workflow_yaml("a", value="other")})
    assert state.workflows == {} and ("Workflow", "a") in state.held
    (error,) = state.errors
    assert error.file == "workflows.d/z.yaml" and "workflows.d/a.yaml" in error.message
