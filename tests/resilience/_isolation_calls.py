"""Every query, mutation and subscription of the schema, called by a user of organization B
with the ids of organization A's objects. `CALLS` maps each field to its document and what
B must get: a not-found style result (`REFUSED`) or only B's own data (`OWN`)."""

from __future__ import annotations

REFUSED = "refused"  # __typename of the result is one of NOT_FOUND
OWN = "own"  # succeeds on B's own organization; nothing of A's appears
NOT_FOUND = {"WorkflowNotFound", "ExecutionNotFound", "NotFound", "Forbidden"}
RESOURCE = "{ __typename ... on Resource { id name } }"


def _on(field: str, args: str, params: str = "") -> str:
    head = f"mutation({params})" if params else "mutation"
    return f"{head} {{ {field}({args}) {{ __typename }} }}"


QUERIES: dict[str, tuple[str, str]] = {
    "me": ("{ me { id handle organization { id slug name } } }", OWN),
    "apiTokens": ("{ apiTokens { id name organizationId } }", OWN),
    "members": ("{ members { user { id handle } role } }", OWN),
    "workflow": ("query($wf: ID!) { workflow(id: $wf) { __typename } }", REFUSED),
    "workflows": ("{ workflows(first: 100) { edges { node { id name } } } }", OWN),
    "templates": ("{ templates(first: 100) { edges { node { id name } } } }", OWN),
    "sharedUsers": ("query($wf: ID!) { sharedUsers(workflowId: $wf) { __typename } }", REFUSED),
    "executions": ("query($wf: ID!) { executions(workflowId: $wf) { __typename } }", REFUSED),
    "execution": ("query($ex: ID!) { execution(id: $ex) { __typename } }", REFUSED),
    "environments": ("{ environments { id name } }", OWN),
    "dataSources": ("{ dataSources { id name } }", OWN),
    "addOns": ("{ addOns { id name } }", OWN),
    "models": ("{ models { id name } }", OWN),
    "syncRuns": ("{ syncRuns(first: 100) { edges { node { id repo error } } } }", OWN),
    "syncRun": ("query($run: ID!) { syncRun(id: $run) { __typename } }", REFUSED),
}
MUTATIONS: dict[str, tuple[str, str]] = {
    "createApiToken": (_on("createApiToken", 'name: "b-token"'), OWN),
    "revokeApiToken": (_on("revokeApiToken", "id: $token", "$token: ID!"), REFUSED),
    # Before setMember, which may add A's member to B by handle (B's own membership).
    "removeMember": (_on("removeMember", "userId: $member", "$member: ID!"), REFUSED),
    "setMember": (_on("setMember", "handle: $handle, role: ADMIN", "$handle: String!"), OWN),
    "createWorkflow": (_on("createWorkflow", 'input: {name: "b-wf", sharedWith: [$member]}',
                           "$member: ID!"), OWN),
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
    "createEnvironment": (_on("createEnvironment", 'input: {name: "b-env", image: "b:1"}'), OWN),
    "updateEnvironment": (_on("updateEnvironment", 'id: $env, input: {name: "x", image: "b:2"}',
                              "$env: ID!"), REFUSED),
    "deleteEnvironment": (_on("deleteEnvironment", "id: $env", "$env: ID!"), REFUSED),
    "createDataSource": (_on("createDataSource",
                             'input: {name: "b-ds", type: "postgres", host: "b"}'), OWN),
    "updateDataSource": (_on("updateDataSource",
                             'id: $ds, input: {name: "x", type: "postgres", host: "b"}',
                             "$ds: ID!"), REFUSED),
    "deleteDataSource": (_on("deleteDataSource", "id: $ds", "$ds: ID!"), REFUSED),
    "createAddOn": (_on("createAddOn", 'input: {name: "b-addon", type: "http"}'), OWN),
    "updateAddOn": (_on("updateAddOn", 'id: $addon, input: {name: "x", type: "http"}',
                        "$addon: ID!"), REFUSED),
    "deleteAddOn": (_on("deleteAddOn", "id: $addon", "$addon: ID!"), REFUSED),
    "createModel": (_on("createModel", 'input: {name: "b-model", provider: "openai",'
                        ' model: "gpt"}'), OWN),
    "updateModel": (_on("updateModel", 'id: $model, input: {name: "x", provider: "openai",'
                        ' model: "gpt"}', "$model: ID!"), REFUSED),
    "deleteModel": (_on("deleteModel", "id: $model", "$model: ID!"), REFUSED),
    "deployWorkflow": (_on("deployWorkflow", "workflowId: $wf", "$wf: ID!"), REFUSED),
    "undeployWorkflow": (_on("undeployWorkflow", "workflowId: $wf", "$wf: ID!"), REFUSED),
    "pauseWorkflow": (_on("pauseWorkflow", "workflowId: $wf", "$wf: ID!"), REFUSED),
    "rotateWebhookToken": (_on("rotateWebhookToken", "workflowId: $wf", "$wf: ID!"), REFUSED),
    "syncNow": ("mutation { syncNow { __typename } }", OWN),  # queues B's own run
}
SUBSCRIPTIONS: dict[str, str] = {
    "executionUpdated": "subscription($ex: ID!) { executionUpdated(executionId: $ex)"
                        " { __typename } }",
    "workflowExecutions": "subscription($wf: ID!) { workflowExecutions(workflowId: $wf)"
                          " { __typename } }",
    "workflowUpdated": "subscription($wf: ID!) { workflowUpdated(workflowId: $wf)"
                       " { __typename } }",
}
