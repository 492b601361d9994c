"""Every query, mutation and subscription of the schema, called by a user of organization B
with the ids (and handles) of organization A's objects. `CALLS` maps each field to its document
and what B must get:

- `REFUSED`: a not-found result, as for an id that never existed;
- `INVALID`: InvalidInput, where the field takes a member of B's organization and was given A's;
- `NOTHING`: null (node, nodes: the same as for an id that never existed);
- `OWN`: a query answered from B's own organization (its data only);
- any other string: the typename B's own successful call returns (B acting on B's objects).

Every document selects the names of what it returns, so any of A's names in a response (they
all contain the marker) shows a leak; the sweep also compares every row of A, and every row
anywhere that refers to A's users or workflows, before and after."""

from __future__ import annotations

REFUSED = "refused"
INVALID = "invalid"
NOTHING = "nothing"
OWN = "own"
NOT_FOUND = {"WorkflowNotFound", "ExecutionNotFound", "NotFound", "SecretNotFound"}
WORKFLOW = "__typename ... on Workflow { name owner { handle } sharedWith { handle } }"
RESOURCE = "__typename ... on Resource { name }"
NODE = ("__typename ... on Workflow { name } ... on User { handle } ... on Resource { name }"
        " ... on Secret { name }")


def _on(field: str, args: str, params: str = "", select: str = "__typename") -> str:
    head = f"mutation({params})" if params else "mutation"
    return f"{head} {{ {field}({args}) {{ {select} ... on Error {{ message }} }} }}"


QUERIES: dict[str, tuple[str, str]] = {
    "node": ("query($wf: ID!) { node(id: $wf) { " + NODE + " } }", NOTHING),
    "nodes": ("query($wf: ID!, $ex: ID!, $member: ID!, $ds: ID!, $token: ID!, $run: ID!,"
              " $org: ID!, $span: ID!, $log: ID!, $revision: ID!, $membership: ID!,"
              " $secret: ID!) { nodes(ids: [$wf, $ex, $member, $ds, $token, $run, $org, $span,"
              " $log, $revision, $membership, $secret]) { " + NODE + " } }", NOTHING),
    "me": ("{ me { user { handle } organization { slug name } } }", OWN),
    "apiTokens": ("{ apiTokens(first: 100) { nodes { name organization { slug } } } }", OWN),
    "members": ("{ members(first: 100) { nodes { user { handle } role } } }", OWN),
    "workflow": ("query($wf: ID!) { workflow(id: $wf) { __typename } }", REFUSED),
    "workflows": ("{ workflows(first: 100) { totalCount nodes { name } } }", OWN),
    "templates": ("{ templates(first: 100) { totalCount nodes { name } } }", OWN),
    "executions": ("query($wf: ID!) { executions(filter: {workflowId: $wf}) { nodes {"
                   " workflow { name } } } all: executions(first: 100) { nodes {"
                   " workflow { name } } } }", OWN),
    "execution": ("query($ex: ID!) { execution(id: $ex) { __typename } }", REFUSED),
    "environments": ("{ environments(first: 100) { totalCount nodes { name } } }", OWN),
    "dataSources": ("{ dataSources(first: 100) { totalCount nodes { name } } }", OWN),
    "addOns": ("{ addOns(first: 100) { totalCount nodes { name } } }", OWN),
    "models": ("{ models(first: 100) { totalCount nodes { name } } }", OWN),
    "syncRuns": ("{ syncRuns(first: 100) { totalCount nodes { repo error } } }", OWN),
    "syncRun": ("query($run: ID!) { syncRun(id: $run) { __typename } }", REFUSED),
    "secrets": ("{ secrets(first: 100) { totalCount nodes { name setBy { handle } } } }", OWN),
}
# The name of A's workflow, looked up by name: a second `workflow` call.
BY_NAME = ("query($wfname: String!) { workflow(name: $wfname) { __typename } }", REFUSED)
MUTATIONS: dict[str, tuple[str, str]] = {
    "createApiToken": (_on("createApiToken", 'name: "b-token"',
                           select="__typename ... on ApiTokenCreated { apiToken { name } }"),
                       "ApiTokenCreated"),
    "revokeApiToken": (_on("revokeApiToken", "id: $token", "$token: ID!"), REFUSED),
    # Before setMember, which must not add A's member to B by handle either.
    "removeMember": (_on("removeMember", "userId: $member", "$member: ID!"), REFUSED),
    "setMember": (_on("setMember", "handle: $handle, role: ADMIN", "$handle: String!",
                      select="__typename ... on Member { user { handle } }"), INVALID),
    "createWorkflow": (_on("createWorkflow", 'input: {name: "b-wf", sharedWith: [$member]}',
                           "$member: ID!", select=WORKFLOW), INVALID),
    "updateWorkflow": (_on("updateWorkflow", 'id: $wf, input: {description: "b"}',
                           "$wf: ID!"), REFUSED),
    "deleteWorkflow": (_on("deleteWorkflow", "id: $wf", "$wf: ID!"), REFUSED),
    "archiveWorkflow": (_on("archiveWorkflow", "id: $wf", "$wf: ID!"), REFUSED),
    "shareWorkflow": (_on("shareWorkflow", "workflowId: $wf, userId: $b", "$wf: ID!, $b: ID!"),
                      REFUSED),
    "unshareWorkflow": (_on("unshareWorkflow", "workflowId: $wf, userId: $member",
                            "$wf: ID!, $member: ID!"), REFUSED),
    "cloneWorkflow": (_on("cloneWorkflow", 'workflowId: $wf, name: "b-clone"', "$wf: ID!"),
                      REFUSED),
    "createTemplate": (_on("createTemplate", "workflowId: $wf", "$wf: ID!"), REFUSED),
    "createWorkflowFromTemplate": (_on("createWorkflowFromTemplate",
                                       'templateId: $template, name: "b-from"',
                                       "$template: ID!"), REFUSED),
    "runWorkflow": (_on("runWorkflow", "workflowId: $wf", "$wf: ID!"), REFUSED),
    "retryExecution": (_on("retryExecution", "id: $ex", "$ex: ID!"), REFUSED),
    "cancelExecution": (_on("cancelExecution", "id: $ex", "$ex: ID!"), REFUSED),
    "createEnvironment": (_on("createEnvironment", 'input: {name: "b-env", image: "b:1"}',
                              select=RESOURCE), "Environment"),
    "updateEnvironment": (_on("updateEnvironment", 'id: $env, input: {name: "x", image: "b:2"}',
                              "$env: ID!"), REFUSED),
    "deleteEnvironment": (_on("deleteEnvironment", "id: $env", "$env: ID!"), REFUSED),
    "createDataSource": (_on("createDataSource",
                             'input: {name: "b-ds", type: "postgres", host: "b"}',
                             select=RESOURCE), "DataSource"),
    "updateDataSource": (_on("updateDataSource",
                             'id: $ds, input: {name: "x", type: "postgres", host: "b"}',
                             "$ds: ID!"), REFUSED),
    "deleteDataSource": (_on("deleteDataSource", "id: $ds", "$ds: ID!"), REFUSED),
    "createAddOn": (_on("createAddOn", 'input: {name: "b-addon", type: "http"}',
                        select=RESOURCE), "AddOn"),
    "updateAddOn": (_on("updateAddOn", 'id: $addon, input: {name: "x", type: "http"}',
                        "$addon: ID!"), REFUSED),
    "deleteAddOn": (_on("deleteAddOn", "id: $addon", "$addon: ID!"), REFUSED),
    "createModel": (_on("createModel", 'input: {name: "b-model", provider: "openai",'
                        ' model: "gpt"}', select=RESOURCE), "Model"),
    "updateModel": (_on("updateModel", 'id: $model, input: {name: "x", provider: "openai",'
                        ' model: "gpt"}', "$model: ID!"), REFUSED),
    "deleteModel": (_on("deleteModel", "id: $model", "$model: ID!"), REFUSED),
    "deployWorkflow": (_on("deployWorkflow", "workflowId: $wf", "$wf: ID!"), REFUSED),
    "undeployWorkflow": (_on("undeployWorkflow", "workflowId: $wf", "$wf: ID!"), REFUSED),
    "pauseWorkflow": (_on("pauseWorkflow", "workflowId: $wf", "$wf: ID!"), REFUSED),
    "rotateWebhookToken": (_on("rotateWebhookToken", "workflowId: $wf", "$wf: ID!"), REFUSED),
    # A's secret by its name: not B's to delete; setting it makes B's own (deleteSecret first).
    "deleteSecret": (_on("deleteSecret", "name: $secretname", "$secretname: String!"), REFUSED),
    "setSecret": (_on("setSecret", 'name: $secretname, value: "b-value"', "$secretname: String!",
                      select="__typename ... on Secret { name setBy { handle } }"), "Secret"),
    "syncNow": ("mutation { syncNow { __typename ... on SyncRun { repo } } }", "SyncRun"),
    # A's codes exist only as hashes: B can but guess one, and a guess signs nobody in.
    "redeemSignInCode": (_on("redeemSignInCode", 'code: "fpsi_a-guess"'), "SignInCodeInvalid"),
}
# Subscriptions that must end at once with a not-found item.
SUBSCRIPTIONS: dict[str, str] = {
    "executionUpdated": "subscription($ex: ID!) { executionUpdated(executionId: $ex)"
                        " { __typename } }",
    "executionsUpdated": "subscription($wf: ID!) { executionsUpdated(filter: {workflowId:"
                         " $wf}) { __typename } }",
    "workflowUpdated": "subscription($wf: ID!) { workflowUpdated(workflowId: $wf)"
                       " { __typename } }",
    "environmentUpdated": "subscription($env: ID!) { environmentUpdated(environmentId: $env)"
                          " { __typename } }",
}
# The organization-wide feed, unfiltered: it stays open and must show B's runs, never A's.
FEED = ("subscription { executionsUpdated { __typename ... on ExecutionEvent { kind"
        " execution { workflow { name } } } } }")
