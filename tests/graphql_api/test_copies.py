"""cloneWorkflow, createTemplate, createWorkflowFromTemplate and templates, as in the seed."""

from __future__ import annotations

from tests.graphql_api.conftest import Cast
from tests.graphql_api.test_workflows import create

COPY = """ __typename ... on Error { message }
  ... on Workflow { id name status version owner { id } isPublic isTemplate template { id }
      clonedFrom { id } tags executionCount deploymentName sharedWith { id } nodes { id } } """
CLONE = f"mutation($w: ID!, $n: String!) {{ cloneWorkflow(workflowId: $w, name: $n) {{ {COPY} }} }}"
TEMPLATE = f"mutation($w: ID!) {{ createTemplate(workflowId: $w) {{ {COPY} }} }}"
FROM_TEMPLATE = f"""mutation($t: ID!, $n: String!) {{
  createWorkflowFromTemplate(templateId: $t, name: $n) {{ {COPY} }} }}"""
TEMPLATES = "{ templates { edges { node { id name } } } }"


async def test_clone_is_an_independent_draft_of_the_caller(cast: Cast) -> None:
    source = await create(cast.owner, sharedWith=[cast.shared.id], isPublic=True)
    clone = (await cast.other.gql(CLONE, w=source["id"], n="mine"))["cloneWorkflow"]
    assert clone["__typename"] == "Workflow"
    assert (clone["owner"]["id"], clone["status"], clone["version"]) == (
        cast.other.id, "DRAFT", 1)
    assert (clone["sharedWith"], clone["isPublic"], clone["executionCount"]) == ([], False, 0)
    assert (clone["tags"], clone["clonedFrom"], clone["deploymentName"]) == (
        ["demo"], {"id": source["id"]}, None)
    assert [n["id"] for n in clone["nodes"]] == ["fetch", "shape"]
    stolen = (await cast.stranger.gql(CLONE, w=source["id"], n="stolen"))["cloneWorkflow"]
    assert stolen["__typename"] == "WorkflowNotFound"


async def test_templates_follow_the_workflow_access_rules(cast: Cast) -> None:
    source = await create(cast.owner)
    template = (await cast.owner.gql(TEMPLATE, w=source["id"]))["createTemplate"]
    assert (template["isTemplate"], template["template"]) == (True, {"id": source["id"]})
    visible = {name: [e["node"]["id"] for e in (await c.gql(TEMPLATES))["templates"]["edges"]]
               for name, c in cast.all().items()}
    assert visible == {"owner": [template["id"]], "shared": [], "other": [],
                       "admin": [template["id"]], "stranger": []}
    made = (await cast.owner.gql(FROM_TEMPLATE, t=template["id"], n="from-template"))
    workflow = made["createWorkflowFromTemplate"]
    assert (workflow["isTemplate"], workflow["template"], workflow["owner"]) == (
        False, {"id": template["id"]}, {"id": cast.owner.id})
    hidden = (await cast.other.gql(FROM_TEMPLATE, t=template["id"], n="nope"))
    assert hidden["createWorkflowFromTemplate"]["__typename"] == "WorkflowNotFound"
