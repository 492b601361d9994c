/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query CacheTestList {\n    workflows(first: 10) {\n      edges {\n        node {\n          id\n          name\n          status\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.CacheTestListDocument,
    "\n  mutation CacheTestPause($id: ID!) {\n    pauseWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        id\n        status\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.CacheTestPauseDocument,
    "\n  mutation CacheTestDelete($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on WorkflowDeleted {\n        deletedId\n      }\n    }\n  }\n": typeof types.CacheTestDeleteDocument,
    "\n  mutation CacheTestCreate($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n    }\n  }\n": typeof types.CacheTestCreateDocument,
    "\n  query CacheTestExecutions {\n    executions(first: 10) {\n      edges {\n        node {\n          id\n          status\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.CacheTestExecutionsDocument,
    "\n    subscription CacheTestLive {\n      executionsUpdated {\n        __typename\n        ... on ExecutionEvent {\n          kind\n          execution {\n            id\n            status\n          }\n        }\n      }\n    }\n  ": typeof types.CacheTestLiveDocument,
    "\n    subscription CacheTestReady {\n      executionsUpdated {\n        __typename\n        ... on ExecutionEvent {\n          kind\n          execution {\n            id\n            status\n          }\n        }\n      }\n    }\n  ": typeof types.CacheTestReadyDocument,
    "\n    query CacheTestSecrets {\n      secrets(first: 100) {\n        nodes {\n          id\n          name\n        }\n      }\n    }\n  ": typeof types.CacheTestSecretsDocument,
    "\n    mutation CacheTestSetSecret {\n      setSecret(name: \"b\", value: \"v\") {\n        __typename\n        ... on Secret {\n          id\n          name\n        }\n      }\n    }\n  ": typeof types.CacheTestSetSecretDocument,
    "\n    mutation CacheTestDeleteSecret {\n      deleteSecret(name: \"a\") {\n        __typename\n        ... on SecretDeleted {\n          deletedId\n          name\n        }\n      }\n    }\n  ": typeof types.CacheTestDeleteSecretDocument,
    "\n  query WhoAmI {\n    me {\n      user {\n        handle\n        displayName\n      }\n      organization {\n        id\n        slug\n        name\n      }\n    }\n  }\n": typeof types.WhoAmIDocument,
    "\n  mutation RedeemSignInCode($code: String!) {\n    redeemSignInCode(code: $code) {\n      __typename\n      ... on SignInCodeRedeemed {\n        token\n        expiresAt\n        user {\n          handle\n          displayName\n        }\n        organization {\n          id\n          slug\n          name\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.RedeemSignInCodeDocument,
    "\n  query Organizations {\n    me {\n      organizations {\n        id\n        slug\n        name\n      }\n    }\n  }\n": typeof types.OrganizationsDocument,
    "\n  fragment ErrorFields on Error {\n    __typename\n    message\n    code\n    ... on InvalidInput {\n      errors {\n        field\n        message\n      }\n    }\n    ... on VersionConflict {\n      expectedVersion\n      currentVersion\n    }\n    ... on DeploymentFailed {\n      reason\n      problems\n      retryable\n    }\n    ... on GitManaged {\n      sourcePath\n    }\n  }\n": typeof types.ErrorFieldsFragmentDoc,
    "\n  mutation CreateWorkflow($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CreateWorkflowDocument,
    "\n  fragment SecretRowFields on Secret {\n    id\n    name\n    version\n    setAt\n    setBy {\n      id\n      handle\n    }\n  }\n": typeof types.SecretRowFieldsFragmentDoc,
    "\n  query Secrets {\n    me {\n      role\n    }\n    secrets(first: 100) {\n      nodes {\n        ...SecretRowFields\n      }\n      totalCount\n    }\n  }\n": typeof types.SecretsDocument,
    "\n  mutation SetSecret($name: String!, $value: String!) {\n    setSecret(name: $name, value: $value) {\n      __typename\n      ... on Secret {\n        ...SecretRowFields\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.SetSecretDocument,
    "\n  mutation DeleteSecret($name: String!) {\n    deleteSecret(name: $name) {\n      __typename\n      ... on SecretDeleted {\n        deletedId\n        name\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.DeleteSecretDocument,
    "\n  query Settings {\n    me {\n      role\n      user {\n        id\n      }\n    }\n    members(first: 100) {\n      nodes {\n        id\n        role\n        createdAt\n        user {\n          id\n          handle\n          displayName\n          isService\n        }\n      }\n    }\n    apiTokens(first: 100) {\n      nodes {\n        id\n        name\n        prefix\n        createdAt\n        expiresAt\n        revokedAt\n        lastUsedAt\n      }\n    }\n  }\n": typeof types.SettingsDocument,
    "\n  mutation SetMember($handle: String!, $role: Role!) {\n    setMember(handle: $handle, role: $role) {\n      __typename\n      ... on Member {\n        id\n        role\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.SetMemberDocument,
    "\n  mutation RemoveMember($userId: ID!) {\n    removeMember(userId: $userId) {\n      __typename\n      ... on Member {\n        id\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.RemoveMemberDocument,
    "\n  mutation CreateApiToken($name: String!, $expiresAt: DateTime) {\n    createApiToken(name: $name, expiresAt: $expiresAt) {\n      __typename\n      ... on ApiTokenCreated {\n        token\n        apiToken {\n          id\n          name\n          prefix\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CreateApiTokenDocument,
    "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      __typename\n      ... on ApiToken {\n        id\n        revokedAt\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.RevokeApiTokenDocument,
    "\n  query SyncRuns {\n    syncRuns(first: 30) {\n      nodes {\n        id\n        repo\n        branch\n        commit\n        status\n        dryRun\n        counts\n        error\n        startedAt\n        endedAt\n        files {\n          path\n          kind\n          name\n          action\n          status\n          error\n          line\n          column\n        }\n      }\n    }\n  }\n": typeof types.SyncRunsDocument,
    "\n  mutation SyncNow {\n    syncNow {\n      __typename\n      ... on SyncRun {\n        id\n        status\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.SyncNowDocument,
    "\n  query TemplateList {\n    templates(first: 100) {\n      nodes {\n        id\n        name\n        description\n        tags\n        owner {\n          id\n          handle\n        }\n        nodes {\n          id\n        }\n      }\n    }\n  }\n": typeof types.TemplateListDocument,
    "\n  mutation UseTemplate($id: ID!, $name: String!) {\n    createWorkflowFromTemplate(templateId: $id, name: $name) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.UseTemplateDocument,
    "\n  query Workflows($filter: WorkflowFilter, $first: Int, $after: Cursor) {\n    workflows(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n          description\n          status\n          version\n          managedBy\n          sourcePath\n          syncStatus\n          syncError\n          tags\n          deploymentPhase\n          deploymentError\n          updatedAt\n          lastRun: executions(first: 1) {\n            nodes {\n              id\n              status\n              createdAt\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.WorkflowsDocument,
    "\n  fragment ExecutionRowFields on Execution {\n    id\n    status\n    triggerType\n    attempt\n    createdAt\n    startedAt\n    endedAt\n    durationMs\n    retryFrom\n    triggeredBy {\n      id\n      handle\n    }\n    workflow {\n      id\n      name\n    }\n  }\n": typeof types.ExecutionRowFieldsFragmentDoc,
    "\n  query ExecutionList($filter: ExecutionFilter, $first: Int, $after: Cursor) {\n    executions(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...ExecutionRowFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.ExecutionListDocument,
    "\n  subscription ExecutionsLive($filter: ExecutionFilter) {\n    executionsUpdated(filter: $filter) {\n      __typename\n      ... on ExecutionEvent {\n        kind\n        status\n        execution {\n          ...ExecutionRowFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.ExecutionsLiveDocument,
    "\n  fragment SpanFields on Span {\n    id\n    kind\n    nodeId\n    attempt\n    status\n    startedAt\n    endedAt\n    durationMs\n    output\n    outputTruncated\n    error\n  }\n": typeof types.SpanFieldsFragmentDoc,
    "\n  fragment ExecutionFields on Execution {\n    ...ExecutionRowFields\n    error\n    input\n    workflowVersion\n    maxAttempts\n    cancelRequested\n    retryOf {\n      id\n    }\n    spans {\n      ...SpanFields\n      children {\n        ...SpanFields\n        children {\n          ...SpanFields\n        }\n      }\n    }\n  }\n": typeof types.ExecutionFieldsFragmentDoc,
    "\n  fragment LogFields on LogLine {\n    id\n    nodeId\n    level\n    message\n    createdAt\n  }\n": typeof types.LogFieldsFragmentDoc,
    "\n  query ExecutionDetail($id: ID!) {\n    execution(id: $id) {\n      __typename\n      ... on Execution {\n        ...ExecutionFields\n        logs(last: 100) {\n          nodes {\n            ...LogFields\n          }\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.ExecutionDetailDocument,
    "\n  subscription ExecutionLive($id: ID!) {\n    executionUpdated(executionId: $id) {\n      __typename\n      ... on ExecutionEvent {\n        kind\n        cursor\n        execution {\n          ...ExecutionFields\n        }\n        log {\n          ...LogFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.ExecutionLiveDocument,
    "\n  mutation RetryExecution($id: ID!, $from: RetryFrom!, $version: RetryVersion!) {\n    retryExecution(id: $id, from: $from, version: $version) {\n      __typename\n      ... on Execution {\n        ...ExecutionRowFields\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.RetryExecutionDocument,
    "\n  mutation CancelExecution($id: ID!) {\n    cancelExecution(id: $id) {\n      __typename\n      ... on Execution {\n        id\n        status\n        cancelRequested\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CancelExecutionDocument,
    "\n  fragment SecretRefFields on SecretRef {\n    secret\n    k8sSecretName\n    k8sSecretKey\n    env\n    file\n    secretName\n    secretKey\n  }\n": typeof types.SecretRefFieldsFragmentDoc,
    "\n  fragment EnvironmentFields on Environment {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    image\n    dockerfile\n    baseImage\n    python {\n      version\n      packages\n    }\n    buildStatus\n    buildError\n    buildLog\n    builtImage\n  }\n": typeof types.EnvironmentFieldsFragmentDoc,
    "\n  fragment DataSourceFields on DataSource {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    type\n    host\n    port\n    database\n    user\n    options\n    passwordRef {\n      ...SecretRefFields\n    }\n  }\n": typeof types.DataSourceFieldsFragmentDoc,
    "\n  fragment AddOnFields on AddOn {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    type\n    endpoint\n    config\n    credentialsRef {\n      ...SecretRefFields\n    }\n  }\n": typeof types.AddOnFieldsFragmentDoc,
    "\n  fragment ModelFields on Model {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    provider\n    model\n    baseUrl\n    apiKeyRef {\n      ...SecretRefFields\n    }\n  }\n": typeof types.ModelFieldsFragmentDoc,
    "\n  query ResourceLists {\n    me {\n      organization {\n        id\n        allowGitOverrides\n      }\n    }\n    environments(first: 100) {\n      nodes {\n        ...EnvironmentFields\n      }\n      totalCount\n    }\n    dataSources(first: 100) {\n      nodes {\n        ...DataSourceFields\n      }\n      totalCount\n    }\n    addOns(first: 100) {\n      nodes {\n        ...AddOnFields\n      }\n      totalCount\n    }\n    models(first: 100) {\n      nodes {\n        ...ModelFields\n      }\n      totalCount\n    }\n  }\n": typeof types.ResourceListsDocument,
    "\n  query SecretNames {\n    secrets(first: 100) {\n      nodes {\n        id\n        name\n      }\n    }\n  }\n": typeof types.SecretNamesDocument,
    "\n  mutation CreateEnvironment($input: EnvironmentInput!) {\n    createEnvironment(input: $input) {\n      __typename\n      ... on Environment {\n        ...EnvironmentFields\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CreateEnvironmentDocument,
    "\n  mutation UpdateEnvironment($id: ID!, $input: EnvironmentInput!) {\n    updateEnvironment(id: $id, input: $input) {\n      __typename\n      ... on Environment {\n        ...EnvironmentFields\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.UpdateEnvironmentDocument,
    "\n  mutation DeleteEnvironment($id: ID!) {\n    deleteEnvironment(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.DeleteEnvironmentDocument,
    "\n  mutation CreateDataSource($input: DataSourceInput!) {\n    createDataSource(input: $input) {\n      __typename\n      ... on DataSource {\n        ...DataSourceFields\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CreateDataSourceDocument,
    "\n  mutation UpdateDataSource($id: ID!, $input: DataSourceInput!) {\n    updateDataSource(id: $id, input: $input) {\n      __typename\n      ... on DataSource {\n        ...DataSourceFields\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.UpdateDataSourceDocument,
    "\n  mutation DeleteDataSource($id: ID!) {\n    deleteDataSource(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.DeleteDataSourceDocument,
    "\n  mutation CreateAddOn($input: AddOnInput!) {\n    createAddOn(input: $input) {\n      __typename\n      ... on AddOn {\n        ...AddOnFields\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CreateAddOnDocument,
    "\n  mutation UpdateAddOn($id: ID!, $input: AddOnInput!) {\n    updateAddOn(id: $id, input: $input) {\n      __typename\n      ... on AddOn {\n        ...AddOnFields\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.UpdateAddOnDocument,
    "\n  mutation DeleteAddOn($id: ID!) {\n    deleteAddOn(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.DeleteAddOnDocument,
    "\n  mutation CreateModel($input: ModelInput!) {\n    createModel(input: $input) {\n      __typename\n      ... on Model {\n        ...ModelFields\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CreateModelDocument,
    "\n  mutation UpdateModel($id: ID!, $input: ModelInput!) {\n    updateModel(id: $id, input: $input) {\n      __typename\n      ... on Model {\n        ...ModelFields\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.UpdateModelDocument,
    "\n  mutation DeleteModel($id: ID!) {\n    deleteModel(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.DeleteModelDocument,
    "\n  fragment WorkflowFields on Workflow {\n    id\n    name\n    description\n    status\n    version\n    isPublic\n    isTemplate\n    tags\n    executionCount\n    managedBy\n    sourcePath\n    sourceCommit\n    syncStatus\n    syncError\n    updatedAt\n    webhookUrl\n    owner {\n      id\n      handle\n      displayName\n    }\n    sharedWith {\n      id\n      handle\n      displayName\n    }\n    nodes {\n      id\n      type\n      params\n      dataSource\n      model\n      addOn\n      retry {\n        maxAttempts\n        backoffSeconds\n      }\n    }\n    connections {\n      from\n      to\n      on\n    }\n    trigger {\n      type\n      cron\n      timezone\n    }\n    settings {\n      maxAttempts\n      timeoutSeconds\n      nodeTimeoutSeconds\n      concurrency\n    }\n    deploymentSettings {\n      environment\n      cpu\n      memory\n      disk\n      gpu\n      gpuType\n    }\n    deploymentEnvironmentId\n    deploymentCpu\n    deploymentMemory\n    deploymentDisk\n    deploymentGpu\n    deploymentGpuType\n    deploymentNamespace\n    deploymentName\n    deploymentPodName\n    deploymentPhase\n    deploymentError\n    deployedAt\n  }\n": typeof types.WorkflowFieldsFragmentDoc,
    "\n  query WorkflowDetail($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ... on Error {\n        message\n      }\n    }\n    me {\n      user {\n        id\n      }\n      role\n      organization {\n        id\n        allowGitOverrides\n      }\n    }\n  }\n": typeof types.WorkflowDetailDocument,
    "\n  subscription WorkflowLive($id: ID!) {\n    workflowUpdated(workflowId: $id) {\n      __typename\n      ... on WorkflowEvent {\n        kind\n        change {\n          reason\n        }\n        workflow {\n          ...WorkflowFields\n        }\n      }\n    }\n  }\n": typeof types.WorkflowLiveDocument,
    "\n  mutation DeployWorkflow($id: ID!, $settings: DeployWorkflowInput, $force: Boolean!) {\n    deployWorkflow(workflowId: $id, settings: $settings, forceRedeploy: $force) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.DeployWorkflowDocument,
    "\n  mutation UndeployWorkflow($id: ID!) {\n    undeployWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.UndeployWorkflowDocument,
    "\n  mutation PauseWorkflow($id: ID!) {\n    pauseWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.PauseWorkflowDocument,
    "\n  mutation UpdateWorkflow($id: ID!, $input: UpdateWorkflowInput!, $expectedVersion: Int) {\n    updateWorkflow(id: $id, input: $input, expectedVersion: $expectedVersion) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.UpdateWorkflowDocument,
    "\n  mutation RunWorkflow($id: ID!, $input: JSON) {\n    runWorkflow(workflowId: $id, input: $input) {\n      __typename\n      ... on Execution {\n        id\n        status\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.RunWorkflowDocument,
    "\n  mutation CloneWorkflow($id: ID!, $name: String!) {\n    cloneWorkflow(workflowId: $id, name: $name) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CloneWorkflowDocument,
    "\n  mutation CreateTemplate($id: ID!, $name: String) {\n    createTemplate(workflowId: $id, name: $name) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CreateTemplateDocument,
    "\n  mutation ShareWorkflow($id: ID!, $userId: ID!) {\n    shareWorkflow(workflowId: $id, userId: $userId) {\n      __typename\n      ... on Workflow {\n        id\n        sharedWith {\n          id\n          handle\n          displayName\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.ShareWorkflowDocument,
    "\n  mutation UnshareWorkflow($id: ID!, $userId: ID!) {\n    unshareWorkflow(workflowId: $id, userId: $userId) {\n      __typename\n      ... on Workflow {\n        id\n        sharedWith {\n          id\n          handle\n          displayName\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.UnshareWorkflowDocument,
    "\n  mutation DeleteWorkflow($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on WorkflowDeleted {\n        deletedId\n        name\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.DeleteWorkflowDocument,
    "\n  query OrganizationMembers {\n    members(first: 100) {\n      nodes {\n        id\n        user {\n          id\n          handle\n          displayName\n        }\n      }\n    }\n  }\n": typeof types.OrganizationMembersDocument,
    "\n  query WorkflowRevisions($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        revisions(first: 100) {\n          nodes {\n            id\n            version\n            createdAt\n            source\n            sourceCommit\n            definition\n            author {\n              id\n              handle\n            }\n            changes {\n              path\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.WorkflowRevisionsDocument,
    "\n  query EnvironmentNames {\n    environments(first: 100) {\n      nodes {\n        id\n        name\n        buildStatus\n      }\n    }\n  }\n": typeof types.EnvironmentNamesDocument,
};
const documents: Documents = {
    "\n  query CacheTestList {\n    workflows(first: 10) {\n      edges {\n        node {\n          id\n          name\n          status\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.CacheTestListDocument,
    "\n  mutation CacheTestPause($id: ID!) {\n    pauseWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        id\n        status\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.CacheTestPauseDocument,
    "\n  mutation CacheTestDelete($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on WorkflowDeleted {\n        deletedId\n      }\n    }\n  }\n": types.CacheTestDeleteDocument,
    "\n  mutation CacheTestCreate($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n    }\n  }\n": types.CacheTestCreateDocument,
    "\n  query CacheTestExecutions {\n    executions(first: 10) {\n      edges {\n        node {\n          id\n          status\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.CacheTestExecutionsDocument,
    "\n    subscription CacheTestLive {\n      executionsUpdated {\n        __typename\n        ... on ExecutionEvent {\n          kind\n          execution {\n            id\n            status\n          }\n        }\n      }\n    }\n  ": types.CacheTestLiveDocument,
    "\n    subscription CacheTestReady {\n      executionsUpdated {\n        __typename\n        ... on ExecutionEvent {\n          kind\n          execution {\n            id\n            status\n          }\n        }\n      }\n    }\n  ": types.CacheTestReadyDocument,
    "\n    query CacheTestSecrets {\n      secrets(first: 100) {\n        nodes {\n          id\n          name\n        }\n      }\n    }\n  ": types.CacheTestSecretsDocument,
    "\n    mutation CacheTestSetSecret {\n      setSecret(name: \"b\", value: \"v\") {\n        __typename\n        ... on Secret {\n          id\n          name\n        }\n      }\n    }\n  ": types.CacheTestSetSecretDocument,
    "\n    mutation CacheTestDeleteSecret {\n      deleteSecret(name: \"a\") {\n        __typename\n        ... on SecretDeleted {\n          deletedId\n          name\n        }\n      }\n    }\n  ": types.CacheTestDeleteSecretDocument,
    "\n  query WhoAmI {\n    me {\n      user {\n        handle\n        displayName\n      }\n      organization {\n        id\n        slug\n        name\n      }\n    }\n  }\n": types.WhoAmIDocument,
    "\n  mutation RedeemSignInCode($code: String!) {\n    redeemSignInCode(code: $code) {\n      __typename\n      ... on SignInCodeRedeemed {\n        token\n        expiresAt\n        user {\n          handle\n          displayName\n        }\n        organization {\n          id\n          slug\n          name\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.RedeemSignInCodeDocument,
    "\n  query Organizations {\n    me {\n      organizations {\n        id\n        slug\n        name\n      }\n    }\n  }\n": types.OrganizationsDocument,
    "\n  fragment ErrorFields on Error {\n    __typename\n    message\n    code\n    ... on InvalidInput {\n      errors {\n        field\n        message\n      }\n    }\n    ... on VersionConflict {\n      expectedVersion\n      currentVersion\n    }\n    ... on DeploymentFailed {\n      reason\n      problems\n      retryable\n    }\n    ... on GitManaged {\n      sourcePath\n    }\n  }\n": types.ErrorFieldsFragmentDoc,
    "\n  mutation CreateWorkflow($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n": types.CreateWorkflowDocument,
    "\n  fragment SecretRowFields on Secret {\n    id\n    name\n    version\n    setAt\n    setBy {\n      id\n      handle\n    }\n  }\n": types.SecretRowFieldsFragmentDoc,
    "\n  query Secrets {\n    me {\n      role\n    }\n    secrets(first: 100) {\n      nodes {\n        ...SecretRowFields\n      }\n      totalCount\n    }\n  }\n": types.SecretsDocument,
    "\n  mutation SetSecret($name: String!, $value: String!) {\n    setSecret(name: $name, value: $value) {\n      __typename\n      ... on Secret {\n        ...SecretRowFields\n      }\n      ...ErrorFields\n    }\n  }\n": types.SetSecretDocument,
    "\n  mutation DeleteSecret($name: String!) {\n    deleteSecret(name: $name) {\n      __typename\n      ... on SecretDeleted {\n        deletedId\n        name\n      }\n      ...ErrorFields\n    }\n  }\n": types.DeleteSecretDocument,
    "\n  query Settings {\n    me {\n      role\n      user {\n        id\n      }\n    }\n    members(first: 100) {\n      nodes {\n        id\n        role\n        createdAt\n        user {\n          id\n          handle\n          displayName\n          isService\n        }\n      }\n    }\n    apiTokens(first: 100) {\n      nodes {\n        id\n        name\n        prefix\n        createdAt\n        expiresAt\n        revokedAt\n        lastUsedAt\n      }\n    }\n  }\n": types.SettingsDocument,
    "\n  mutation SetMember($handle: String!, $role: Role!) {\n    setMember(handle: $handle, role: $role) {\n      __typename\n      ... on Member {\n        id\n        role\n      }\n      ...ErrorFields\n    }\n  }\n": types.SetMemberDocument,
    "\n  mutation RemoveMember($userId: ID!) {\n    removeMember(userId: $userId) {\n      __typename\n      ... on Member {\n        id\n      }\n      ...ErrorFields\n    }\n  }\n": types.RemoveMemberDocument,
    "\n  mutation CreateApiToken($name: String!, $expiresAt: DateTime) {\n    createApiToken(name: $name, expiresAt: $expiresAt) {\n      __typename\n      ... on ApiTokenCreated {\n        token\n        apiToken {\n          id\n          name\n          prefix\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.CreateApiTokenDocument,
    "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      __typename\n      ... on ApiToken {\n        id\n        revokedAt\n      }\n      ...ErrorFields\n    }\n  }\n": types.RevokeApiTokenDocument,
    "\n  query SyncRuns {\n    syncRuns(first: 30) {\n      nodes {\n        id\n        repo\n        branch\n        commit\n        status\n        dryRun\n        counts\n        error\n        startedAt\n        endedAt\n        files {\n          path\n          kind\n          name\n          action\n          status\n          error\n          line\n          column\n        }\n      }\n    }\n  }\n": types.SyncRunsDocument,
    "\n  mutation SyncNow {\n    syncNow {\n      __typename\n      ... on SyncRun {\n        id\n        status\n      }\n      ...ErrorFields\n    }\n  }\n": types.SyncNowDocument,
    "\n  query TemplateList {\n    templates(first: 100) {\n      nodes {\n        id\n        name\n        description\n        tags\n        owner {\n          id\n          handle\n        }\n        nodes {\n          id\n        }\n      }\n    }\n  }\n": types.TemplateListDocument,
    "\n  mutation UseTemplate($id: ID!, $name: String!) {\n    createWorkflowFromTemplate(templateId: $id, name: $name) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n": types.UseTemplateDocument,
    "\n  query Workflows($filter: WorkflowFilter, $first: Int, $after: Cursor) {\n    workflows(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n          description\n          status\n          version\n          managedBy\n          sourcePath\n          syncStatus\n          syncError\n          tags\n          deploymentPhase\n          deploymentError\n          updatedAt\n          lastRun: executions(first: 1) {\n            nodes {\n              id\n              status\n              createdAt\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.WorkflowsDocument,
    "\n  fragment ExecutionRowFields on Execution {\n    id\n    status\n    triggerType\n    attempt\n    createdAt\n    startedAt\n    endedAt\n    durationMs\n    retryFrom\n    triggeredBy {\n      id\n      handle\n    }\n    workflow {\n      id\n      name\n    }\n  }\n": types.ExecutionRowFieldsFragmentDoc,
    "\n  query ExecutionList($filter: ExecutionFilter, $first: Int, $after: Cursor) {\n    executions(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...ExecutionRowFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.ExecutionListDocument,
    "\n  subscription ExecutionsLive($filter: ExecutionFilter) {\n    executionsUpdated(filter: $filter) {\n      __typename\n      ... on ExecutionEvent {\n        kind\n        status\n        execution {\n          ...ExecutionRowFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.ExecutionsLiveDocument,
    "\n  fragment SpanFields on Span {\n    id\n    kind\n    nodeId\n    attempt\n    status\n    startedAt\n    endedAt\n    durationMs\n    output\n    outputTruncated\n    error\n  }\n": types.SpanFieldsFragmentDoc,
    "\n  fragment ExecutionFields on Execution {\n    ...ExecutionRowFields\n    error\n    input\n    workflowVersion\n    maxAttempts\n    cancelRequested\n    retryOf {\n      id\n    }\n    spans {\n      ...SpanFields\n      children {\n        ...SpanFields\n        children {\n          ...SpanFields\n        }\n      }\n    }\n  }\n": types.ExecutionFieldsFragmentDoc,
    "\n  fragment LogFields on LogLine {\n    id\n    nodeId\n    level\n    message\n    createdAt\n  }\n": types.LogFieldsFragmentDoc,
    "\n  query ExecutionDetail($id: ID!) {\n    execution(id: $id) {\n      __typename\n      ... on Execution {\n        ...ExecutionFields\n        logs(last: 100) {\n          nodes {\n            ...LogFields\n          }\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.ExecutionDetailDocument,
    "\n  subscription ExecutionLive($id: ID!) {\n    executionUpdated(executionId: $id) {\n      __typename\n      ... on ExecutionEvent {\n        kind\n        cursor\n        execution {\n          ...ExecutionFields\n        }\n        log {\n          ...LogFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.ExecutionLiveDocument,
    "\n  mutation RetryExecution($id: ID!, $from: RetryFrom!, $version: RetryVersion!) {\n    retryExecution(id: $id, from: $from, version: $version) {\n      __typename\n      ... on Execution {\n        ...ExecutionRowFields\n      }\n      ...ErrorFields\n    }\n  }\n": types.RetryExecutionDocument,
    "\n  mutation CancelExecution($id: ID!) {\n    cancelExecution(id: $id) {\n      __typename\n      ... on Execution {\n        id\n        status\n        cancelRequested\n      }\n      ...ErrorFields\n    }\n  }\n": types.CancelExecutionDocument,
    "\n  fragment SecretRefFields on SecretRef {\n    secret\n    k8sSecretName\n    k8sSecretKey\n    env\n    file\n    secretName\n    secretKey\n  }\n": types.SecretRefFieldsFragmentDoc,
    "\n  fragment EnvironmentFields on Environment {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    image\n    dockerfile\n    baseImage\n    python {\n      version\n      packages\n    }\n    buildStatus\n    buildError\n    buildLog\n    builtImage\n  }\n": types.EnvironmentFieldsFragmentDoc,
    "\n  fragment DataSourceFields on DataSource {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    type\n    host\n    port\n    database\n    user\n    options\n    passwordRef {\n      ...SecretRefFields\n    }\n  }\n": types.DataSourceFieldsFragmentDoc,
    "\n  fragment AddOnFields on AddOn {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    type\n    endpoint\n    config\n    credentialsRef {\n      ...SecretRefFields\n    }\n  }\n": types.AddOnFieldsFragmentDoc,
    "\n  fragment ModelFields on Model {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    provider\n    model\n    baseUrl\n    apiKeyRef {\n      ...SecretRefFields\n    }\n  }\n": types.ModelFieldsFragmentDoc,
    "\n  query ResourceLists {\n    me {\n      organization {\n        id\n        allowGitOverrides\n      }\n    }\n    environments(first: 100) {\n      nodes {\n        ...EnvironmentFields\n      }\n      totalCount\n    }\n    dataSources(first: 100) {\n      nodes {\n        ...DataSourceFields\n      }\n      totalCount\n    }\n    addOns(first: 100) {\n      nodes {\n        ...AddOnFields\n      }\n      totalCount\n    }\n    models(first: 100) {\n      nodes {\n        ...ModelFields\n      }\n      totalCount\n    }\n  }\n": types.ResourceListsDocument,
    "\n  query SecretNames {\n    secrets(first: 100) {\n      nodes {\n        id\n        name\n      }\n    }\n  }\n": types.SecretNamesDocument,
    "\n  mutation CreateEnvironment($input: EnvironmentInput!) {\n    createEnvironment(input: $input) {\n      __typename\n      ... on Environment {\n        ...EnvironmentFields\n      }\n      ...ErrorFields\n    }\n  }\n": types.CreateEnvironmentDocument,
    "\n  mutation UpdateEnvironment($id: ID!, $input: EnvironmentInput!) {\n    updateEnvironment(id: $id, input: $input) {\n      __typename\n      ... on Environment {\n        ...EnvironmentFields\n      }\n      ...ErrorFields\n    }\n  }\n": types.UpdateEnvironmentDocument,
    "\n  mutation DeleteEnvironment($id: ID!) {\n    deleteEnvironment(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n": types.DeleteEnvironmentDocument,
    "\n  mutation CreateDataSource($input: DataSourceInput!) {\n    createDataSource(input: $input) {\n      __typename\n      ... on DataSource {\n        ...DataSourceFields\n      }\n      ...ErrorFields\n    }\n  }\n": types.CreateDataSourceDocument,
    "\n  mutation UpdateDataSource($id: ID!, $input: DataSourceInput!) {\n    updateDataSource(id: $id, input: $input) {\n      __typename\n      ... on DataSource {\n        ...DataSourceFields\n      }\n      ...ErrorFields\n    }\n  }\n": types.UpdateDataSourceDocument,
    "\n  mutation DeleteDataSource($id: ID!) {\n    deleteDataSource(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n": types.DeleteDataSourceDocument,
    "\n  mutation CreateAddOn($input: AddOnInput!) {\n    createAddOn(input: $input) {\n      __typename\n      ... on AddOn {\n        ...AddOnFields\n      }\n      ...ErrorFields\n    }\n  }\n": types.CreateAddOnDocument,
    "\n  mutation UpdateAddOn($id: ID!, $input: AddOnInput!) {\n    updateAddOn(id: $id, input: $input) {\n      __typename\n      ... on AddOn {\n        ...AddOnFields\n      }\n      ...ErrorFields\n    }\n  }\n": types.UpdateAddOnDocument,
    "\n  mutation DeleteAddOn($id: ID!) {\n    deleteAddOn(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n": types.DeleteAddOnDocument,
    "\n  mutation CreateModel($input: ModelInput!) {\n    createModel(input: $input) {\n      __typename\n      ... on Model {\n        ...ModelFields\n      }\n      ...ErrorFields\n    }\n  }\n": types.CreateModelDocument,
    "\n  mutation UpdateModel($id: ID!, $input: ModelInput!) {\n    updateModel(id: $id, input: $input) {\n      __typename\n      ... on Model {\n        ...ModelFields\n      }\n      ...ErrorFields\n    }\n  }\n": types.UpdateModelDocument,
    "\n  mutation DeleteModel($id: ID!) {\n    deleteModel(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n": types.DeleteModelDocument,
    "\n  fragment WorkflowFields on Workflow {\n    id\n    name\n    description\n    status\n    version\n    isPublic\n    isTemplate\n    tags\n    executionCount\n    managedBy\n    sourcePath\n    sourceCommit\n    syncStatus\n    syncError\n    updatedAt\n    webhookUrl\n    owner {\n      id\n      handle\n      displayName\n    }\n    sharedWith {\n      id\n      handle\n      displayName\n    }\n    nodes {\n      id\n      type\n      params\n      dataSource\n      model\n      addOn\n      retry {\n        maxAttempts\n        backoffSeconds\n      }\n    }\n    connections {\n      from\n      to\n      on\n    }\n    trigger {\n      type\n      cron\n      timezone\n    }\n    settings {\n      maxAttempts\n      timeoutSeconds\n      nodeTimeoutSeconds\n      concurrency\n    }\n    deploymentSettings {\n      environment\n      cpu\n      memory\n      disk\n      gpu\n      gpuType\n    }\n    deploymentEnvironmentId\n    deploymentCpu\n    deploymentMemory\n    deploymentDisk\n    deploymentGpu\n    deploymentGpuType\n    deploymentNamespace\n    deploymentName\n    deploymentPodName\n    deploymentPhase\n    deploymentError\n    deployedAt\n  }\n": types.WorkflowFieldsFragmentDoc,
    "\n  query WorkflowDetail($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ... on Error {\n        message\n      }\n    }\n    me {\n      user {\n        id\n      }\n      role\n      organization {\n        id\n        allowGitOverrides\n      }\n    }\n  }\n": types.WorkflowDetailDocument,
    "\n  subscription WorkflowLive($id: ID!) {\n    workflowUpdated(workflowId: $id) {\n      __typename\n      ... on WorkflowEvent {\n        kind\n        change {\n          reason\n        }\n        workflow {\n          ...WorkflowFields\n        }\n      }\n    }\n  }\n": types.WorkflowLiveDocument,
    "\n  mutation DeployWorkflow($id: ID!, $settings: DeployWorkflowInput, $force: Boolean!) {\n    deployWorkflow(workflowId: $id, settings: $settings, forceRedeploy: $force) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n": types.DeployWorkflowDocument,
    "\n  mutation UndeployWorkflow($id: ID!) {\n    undeployWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n": types.UndeployWorkflowDocument,
    "\n  mutation PauseWorkflow($id: ID!) {\n    pauseWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n": types.PauseWorkflowDocument,
    "\n  mutation UpdateWorkflow($id: ID!, $input: UpdateWorkflowInput!, $expectedVersion: Int) {\n    updateWorkflow(id: $id, input: $input, expectedVersion: $expectedVersion) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n": types.UpdateWorkflowDocument,
    "\n  mutation RunWorkflow($id: ID!, $input: JSON) {\n    runWorkflow(workflowId: $id, input: $input) {\n      __typename\n      ... on Execution {\n        id\n        status\n      }\n      ...ErrorFields\n    }\n  }\n": types.RunWorkflowDocument,
    "\n  mutation CloneWorkflow($id: ID!, $name: String!) {\n    cloneWorkflow(workflowId: $id, name: $name) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n": types.CloneWorkflowDocument,
    "\n  mutation CreateTemplate($id: ID!, $name: String) {\n    createTemplate(workflowId: $id, name: $name) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n": types.CreateTemplateDocument,
    "\n  mutation ShareWorkflow($id: ID!, $userId: ID!) {\n    shareWorkflow(workflowId: $id, userId: $userId) {\n      __typename\n      ... on Workflow {\n        id\n        sharedWith {\n          id\n          handle\n          displayName\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.ShareWorkflowDocument,
    "\n  mutation UnshareWorkflow($id: ID!, $userId: ID!) {\n    unshareWorkflow(workflowId: $id, userId: $userId) {\n      __typename\n      ... on Workflow {\n        id\n        sharedWith {\n          id\n          handle\n          displayName\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.UnshareWorkflowDocument,
    "\n  mutation DeleteWorkflow($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on WorkflowDeleted {\n        deletedId\n        name\n      }\n      ...ErrorFields\n    }\n  }\n": types.DeleteWorkflowDocument,
    "\n  query OrganizationMembers {\n    members(first: 100) {\n      nodes {\n        id\n        user {\n          id\n          handle\n          displayName\n        }\n      }\n    }\n  }\n": types.OrganizationMembersDocument,
    "\n  query WorkflowRevisions($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        revisions(first: 100) {\n          nodes {\n            id\n            version\n            createdAt\n            source\n            sourceCommit\n            definition\n            author {\n              id\n              handle\n            }\n            changes {\n              path\n            }\n          }\n        }\n      }\n    }\n  }\n": types.WorkflowRevisionsDocument,
    "\n  query EnvironmentNames {\n    environments(first: 100) {\n      nodes {\n        id\n        name\n        buildStatus\n      }\n    }\n  }\n": types.EnvironmentNamesDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CacheTestList {\n    workflows(first: 10) {\n      edges {\n        node {\n          id\n          name\n          status\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query CacheTestList {\n    workflows(first: 10) {\n      edges {\n        node {\n          id\n          name\n          status\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CacheTestPause($id: ID!) {\n    pauseWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        id\n        status\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CacheTestPause($id: ID!) {\n    pauseWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        id\n        status\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CacheTestDelete($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on WorkflowDeleted {\n        deletedId\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CacheTestDelete($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on WorkflowDeleted {\n        deletedId\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CacheTestCreate($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CacheTestCreate($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CacheTestExecutions {\n    executions(first: 10) {\n      edges {\n        node {\n          id\n          status\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query CacheTestExecutions {\n    executions(first: 10) {\n      edges {\n        node {\n          id\n          status\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    subscription CacheTestLive {\n      executionsUpdated {\n        __typename\n        ... on ExecutionEvent {\n          kind\n          execution {\n            id\n            status\n          }\n        }\n      }\n    }\n  "): (typeof documents)["\n    subscription CacheTestLive {\n      executionsUpdated {\n        __typename\n        ... on ExecutionEvent {\n          kind\n          execution {\n            id\n            status\n          }\n        }\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    subscription CacheTestReady {\n      executionsUpdated {\n        __typename\n        ... on ExecutionEvent {\n          kind\n          execution {\n            id\n            status\n          }\n        }\n      }\n    }\n  "): (typeof documents)["\n    subscription CacheTestReady {\n      executionsUpdated {\n        __typename\n        ... on ExecutionEvent {\n          kind\n          execution {\n            id\n            status\n          }\n        }\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    query CacheTestSecrets {\n      secrets(first: 100) {\n        nodes {\n          id\n          name\n        }\n      }\n    }\n  "): (typeof documents)["\n    query CacheTestSecrets {\n      secrets(first: 100) {\n        nodes {\n          id\n          name\n        }\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation CacheTestSetSecret {\n      setSecret(name: \"b\", value: \"v\") {\n        __typename\n        ... on Secret {\n          id\n          name\n        }\n      }\n    }\n  "): (typeof documents)["\n    mutation CacheTestSetSecret {\n      setSecret(name: \"b\", value: \"v\") {\n        __typename\n        ... on Secret {\n          id\n          name\n        }\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation CacheTestDeleteSecret {\n      deleteSecret(name: \"a\") {\n        __typename\n        ... on SecretDeleted {\n          deletedId\n          name\n        }\n      }\n    }\n  "): (typeof documents)["\n    mutation CacheTestDeleteSecret {\n      deleteSecret(name: \"a\") {\n        __typename\n        ... on SecretDeleted {\n          deletedId\n          name\n        }\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WhoAmI {\n    me {\n      user {\n        handle\n        displayName\n      }\n      organization {\n        id\n        slug\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query WhoAmI {\n    me {\n      user {\n        handle\n        displayName\n      }\n      organization {\n        id\n        slug\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RedeemSignInCode($code: String!) {\n    redeemSignInCode(code: $code) {\n      __typename\n      ... on SignInCodeRedeemed {\n        token\n        expiresAt\n        user {\n          handle\n          displayName\n        }\n        organization {\n          id\n          slug\n          name\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RedeemSignInCode($code: String!) {\n    redeemSignInCode(code: $code) {\n      __typename\n      ... on SignInCodeRedeemed {\n        token\n        expiresAt\n        user {\n          handle\n          displayName\n        }\n        organization {\n          id\n          slug\n          name\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Organizations {\n    me {\n      organizations {\n        id\n        slug\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query Organizations {\n    me {\n      organizations {\n        id\n        slug\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ErrorFields on Error {\n    __typename\n    message\n    code\n    ... on InvalidInput {\n      errors {\n        field\n        message\n      }\n    }\n    ... on VersionConflict {\n      expectedVersion\n      currentVersion\n    }\n    ... on DeploymentFailed {\n      reason\n      problems\n      retryable\n    }\n    ... on GitManaged {\n      sourcePath\n    }\n  }\n"): (typeof documents)["\n  fragment ErrorFields on Error {\n    __typename\n    message\n    code\n    ... on InvalidInput {\n      errors {\n        field\n        message\n      }\n    }\n    ... on VersionConflict {\n      expectedVersion\n      currentVersion\n    }\n    ... on DeploymentFailed {\n      reason\n      problems\n      retryable\n    }\n    ... on GitManaged {\n      sourcePath\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWorkflow($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateWorkflow($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SecretRowFields on Secret {\n    id\n    name\n    version\n    setAt\n    setBy {\n      id\n      handle\n    }\n  }\n"): (typeof documents)["\n  fragment SecretRowFields on Secret {\n    id\n    name\n    version\n    setAt\n    setBy {\n      id\n      handle\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Secrets {\n    me {\n      role\n    }\n    secrets(first: 100) {\n      nodes {\n        ...SecretRowFields\n      }\n      totalCount\n    }\n  }\n"): (typeof documents)["\n  query Secrets {\n    me {\n      role\n    }\n    secrets(first: 100) {\n      nodes {\n        ...SecretRowFields\n      }\n      totalCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetSecret($name: String!, $value: String!) {\n    setSecret(name: $name, value: $value) {\n      __typename\n      ... on Secret {\n        ...SecretRowFields\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation SetSecret($name: String!, $value: String!) {\n    setSecret(name: $name, value: $value) {\n      __typename\n      ... on Secret {\n        ...SecretRowFields\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteSecret($name: String!) {\n    deleteSecret(name: $name) {\n      __typename\n      ... on SecretDeleted {\n        deletedId\n        name\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteSecret($name: String!) {\n    deleteSecret(name: $name) {\n      __typename\n      ... on SecretDeleted {\n        deletedId\n        name\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Settings {\n    me {\n      role\n      user {\n        id\n      }\n    }\n    members(first: 100) {\n      nodes {\n        id\n        role\n        createdAt\n        user {\n          id\n          handle\n          displayName\n          isService\n        }\n      }\n    }\n    apiTokens(first: 100) {\n      nodes {\n        id\n        name\n        prefix\n        createdAt\n        expiresAt\n        revokedAt\n        lastUsedAt\n      }\n    }\n  }\n"): (typeof documents)["\n  query Settings {\n    me {\n      role\n      user {\n        id\n      }\n    }\n    members(first: 100) {\n      nodes {\n        id\n        role\n        createdAt\n        user {\n          id\n          handle\n          displayName\n          isService\n        }\n      }\n    }\n    apiTokens(first: 100) {\n      nodes {\n        id\n        name\n        prefix\n        createdAt\n        expiresAt\n        revokedAt\n        lastUsedAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetMember($handle: String!, $role: Role!) {\n    setMember(handle: $handle, role: $role) {\n      __typename\n      ... on Member {\n        id\n        role\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation SetMember($handle: String!, $role: Role!) {\n    setMember(handle: $handle, role: $role) {\n      __typename\n      ... on Member {\n        id\n        role\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveMember($userId: ID!) {\n    removeMember(userId: $userId) {\n      __typename\n      ... on Member {\n        id\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveMember($userId: ID!) {\n    removeMember(userId: $userId) {\n      __typename\n      ... on Member {\n        id\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiToken($name: String!, $expiresAt: DateTime) {\n    createApiToken(name: $name, expiresAt: $expiresAt) {\n      __typename\n      ... on ApiTokenCreated {\n        token\n        apiToken {\n          id\n          name\n          prefix\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiToken($name: String!, $expiresAt: DateTime) {\n    createApiToken(name: $name, expiresAt: $expiresAt) {\n      __typename\n      ... on ApiTokenCreated {\n        token\n        apiToken {\n          id\n          name\n          prefix\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      __typename\n      ... on ApiToken {\n        id\n        revokedAt\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      __typename\n      ... on ApiToken {\n        id\n        revokedAt\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SyncRuns {\n    syncRuns(first: 30) {\n      nodes {\n        id\n        repo\n        branch\n        commit\n        status\n        dryRun\n        counts\n        error\n        startedAt\n        endedAt\n        files {\n          path\n          kind\n          name\n          action\n          status\n          error\n          line\n          column\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query SyncRuns {\n    syncRuns(first: 30) {\n      nodes {\n        id\n        repo\n        branch\n        commit\n        status\n        dryRun\n        counts\n        error\n        startedAt\n        endedAt\n        files {\n          path\n          kind\n          name\n          action\n          status\n          error\n          line\n          column\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SyncNow {\n    syncNow {\n      __typename\n      ... on SyncRun {\n        id\n        status\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation SyncNow {\n    syncNow {\n      __typename\n      ... on SyncRun {\n        id\n        status\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TemplateList {\n    templates(first: 100) {\n      nodes {\n        id\n        name\n        description\n        tags\n        owner {\n          id\n          handle\n        }\n        nodes {\n          id\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query TemplateList {\n    templates(first: 100) {\n      nodes {\n        id\n        name\n        description\n        tags\n        owner {\n          id\n          handle\n        }\n        nodes {\n          id\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UseTemplate($id: ID!, $name: String!) {\n    createWorkflowFromTemplate(templateId: $id, name: $name) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation UseTemplate($id: ID!, $name: String!) {\n    createWorkflowFromTemplate(templateId: $id, name: $name) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Workflows($filter: WorkflowFilter, $first: Int, $after: Cursor) {\n    workflows(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n          description\n          status\n          version\n          managedBy\n          sourcePath\n          syncStatus\n          syncError\n          tags\n          deploymentPhase\n          deploymentError\n          updatedAt\n          lastRun: executions(first: 1) {\n            nodes {\n              id\n              status\n              createdAt\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Workflows($filter: WorkflowFilter, $first: Int, $after: Cursor) {\n    workflows(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n          description\n          status\n          version\n          managedBy\n          sourcePath\n          syncStatus\n          syncError\n          tags\n          deploymentPhase\n          deploymentError\n          updatedAt\n          lastRun: executions(first: 1) {\n            nodes {\n              id\n              status\n              createdAt\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ExecutionRowFields on Execution {\n    id\n    status\n    triggerType\n    attempt\n    createdAt\n    startedAt\n    endedAt\n    durationMs\n    retryFrom\n    triggeredBy {\n      id\n      handle\n    }\n    workflow {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  fragment ExecutionRowFields on Execution {\n    id\n    status\n    triggerType\n    attempt\n    createdAt\n    startedAt\n    endedAt\n    durationMs\n    retryFrom\n    triggeredBy {\n      id\n      handle\n    }\n    workflow {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExecutionList($filter: ExecutionFilter, $first: Int, $after: Cursor) {\n    executions(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...ExecutionRowFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query ExecutionList($filter: ExecutionFilter, $first: Int, $after: Cursor) {\n    executions(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...ExecutionRowFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ExecutionsLive($filter: ExecutionFilter) {\n    executionsUpdated(filter: $filter) {\n      __typename\n      ... on ExecutionEvent {\n        kind\n        status\n        execution {\n          ...ExecutionRowFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  subscription ExecutionsLive($filter: ExecutionFilter) {\n    executionsUpdated(filter: $filter) {\n      __typename\n      ... on ExecutionEvent {\n        kind\n        status\n        execution {\n          ...ExecutionRowFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SpanFields on Span {\n    id\n    kind\n    nodeId\n    attempt\n    status\n    startedAt\n    endedAt\n    durationMs\n    output\n    outputTruncated\n    error\n  }\n"): (typeof documents)["\n  fragment SpanFields on Span {\n    id\n    kind\n    nodeId\n    attempt\n    status\n    startedAt\n    endedAt\n    durationMs\n    output\n    outputTruncated\n    error\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ExecutionFields on Execution {\n    ...ExecutionRowFields\n    error\n    input\n    workflowVersion\n    maxAttempts\n    cancelRequested\n    retryOf {\n      id\n    }\n    spans {\n      ...SpanFields\n      children {\n        ...SpanFields\n        children {\n          ...SpanFields\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment ExecutionFields on Execution {\n    ...ExecutionRowFields\n    error\n    input\n    workflowVersion\n    maxAttempts\n    cancelRequested\n    retryOf {\n      id\n    }\n    spans {\n      ...SpanFields\n      children {\n        ...SpanFields\n        children {\n          ...SpanFields\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment LogFields on LogLine {\n    id\n    nodeId\n    level\n    message\n    createdAt\n  }\n"): (typeof documents)["\n  fragment LogFields on LogLine {\n    id\n    nodeId\n    level\n    message\n    createdAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExecutionDetail($id: ID!) {\n    execution(id: $id) {\n      __typename\n      ... on Execution {\n        ...ExecutionFields\n        logs(last: 100) {\n          nodes {\n            ...LogFields\n          }\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  query ExecutionDetail($id: ID!) {\n    execution(id: $id) {\n      __typename\n      ... on Execution {\n        ...ExecutionFields\n        logs(last: 100) {\n          nodes {\n            ...LogFields\n          }\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ExecutionLive($id: ID!) {\n    executionUpdated(executionId: $id) {\n      __typename\n      ... on ExecutionEvent {\n        kind\n        cursor\n        execution {\n          ...ExecutionFields\n        }\n        log {\n          ...LogFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  subscription ExecutionLive($id: ID!) {\n    executionUpdated(executionId: $id) {\n      __typename\n      ... on ExecutionEvent {\n        kind\n        cursor\n        execution {\n          ...ExecutionFields\n        }\n        log {\n          ...LogFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryExecution($id: ID!, $from: RetryFrom!, $version: RetryVersion!) {\n    retryExecution(id: $id, from: $from, version: $version) {\n      __typename\n      ... on Execution {\n        ...ExecutionRowFields\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation RetryExecution($id: ID!, $from: RetryFrom!, $version: RetryVersion!) {\n    retryExecution(id: $id, from: $from, version: $version) {\n      __typename\n      ... on Execution {\n        ...ExecutionRowFields\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelExecution($id: ID!) {\n    cancelExecution(id: $id) {\n      __typename\n      ... on Execution {\n        id\n        status\n        cancelRequested\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation CancelExecution($id: ID!) {\n    cancelExecution(id: $id) {\n      __typename\n      ... on Execution {\n        id\n        status\n        cancelRequested\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SecretRefFields on SecretRef {\n    secret\n    k8sSecretName\n    k8sSecretKey\n    env\n    file\n    secretName\n    secretKey\n  }\n"): (typeof documents)["\n  fragment SecretRefFields on SecretRef {\n    secret\n    k8sSecretName\n    k8sSecretKey\n    env\n    file\n    secretName\n    secretKey\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment EnvironmentFields on Environment {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    image\n    dockerfile\n    baseImage\n    python {\n      version\n      packages\n    }\n    buildStatus\n    buildError\n    buildLog\n    builtImage\n  }\n"): (typeof documents)["\n  fragment EnvironmentFields on Environment {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    image\n    dockerfile\n    baseImage\n    python {\n      version\n      packages\n    }\n    buildStatus\n    buildError\n    buildLog\n    builtImage\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment DataSourceFields on DataSource {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    type\n    host\n    port\n    database\n    user\n    options\n    passwordRef {\n      ...SecretRefFields\n    }\n  }\n"): (typeof documents)["\n  fragment DataSourceFields on DataSource {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    type\n    host\n    port\n    database\n    user\n    options\n    passwordRef {\n      ...SecretRefFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AddOnFields on AddOn {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    type\n    endpoint\n    config\n    credentialsRef {\n      ...SecretRefFields\n    }\n  }\n"): (typeof documents)["\n  fragment AddOnFields on AddOn {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    type\n    endpoint\n    config\n    credentialsRef {\n      ...SecretRefFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ModelFields on Model {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    provider\n    model\n    baseUrl\n    apiKeyRef {\n      ...SecretRefFields\n    }\n  }\n"): (typeof documents)["\n  fragment ModelFields on Model {\n    id\n    name\n    managedBy\n    sourcePath\n    updatedAt\n    provider\n    model\n    baseUrl\n    apiKeyRef {\n      ...SecretRefFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ResourceLists {\n    me {\n      organization {\n        id\n        allowGitOverrides\n      }\n    }\n    environments(first: 100) {\n      nodes {\n        ...EnvironmentFields\n      }\n      totalCount\n    }\n    dataSources(first: 100) {\n      nodes {\n        ...DataSourceFields\n      }\n      totalCount\n    }\n    addOns(first: 100) {\n      nodes {\n        ...AddOnFields\n      }\n      totalCount\n    }\n    models(first: 100) {\n      nodes {\n        ...ModelFields\n      }\n      totalCount\n    }\n  }\n"): (typeof documents)["\n  query ResourceLists {\n    me {\n      organization {\n        id\n        allowGitOverrides\n      }\n    }\n    environments(first: 100) {\n      nodes {\n        ...EnvironmentFields\n      }\n      totalCount\n    }\n    dataSources(first: 100) {\n      nodes {\n        ...DataSourceFields\n      }\n      totalCount\n    }\n    addOns(first: 100) {\n      nodes {\n        ...AddOnFields\n      }\n      totalCount\n    }\n    models(first: 100) {\n      nodes {\n        ...ModelFields\n      }\n      totalCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SecretNames {\n    secrets(first: 100) {\n      nodes {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query SecretNames {\n    secrets(first: 100) {\n      nodes {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateEnvironment($input: EnvironmentInput!) {\n    createEnvironment(input: $input) {\n      __typename\n      ... on Environment {\n        ...EnvironmentFields\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateEnvironment($input: EnvironmentInput!) {\n    createEnvironment(input: $input) {\n      __typename\n      ... on Environment {\n        ...EnvironmentFields\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateEnvironment($id: ID!, $input: EnvironmentInput!) {\n    updateEnvironment(id: $id, input: $input) {\n      __typename\n      ... on Environment {\n        ...EnvironmentFields\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateEnvironment($id: ID!, $input: EnvironmentInput!) {\n    updateEnvironment(id: $id, input: $input) {\n      __typename\n      ... on Environment {\n        ...EnvironmentFields\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteEnvironment($id: ID!) {\n    deleteEnvironment(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteEnvironment($id: ID!) {\n    deleteEnvironment(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateDataSource($input: DataSourceInput!) {\n    createDataSource(input: $input) {\n      __typename\n      ... on DataSource {\n        ...DataSourceFields\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateDataSource($input: DataSourceInput!) {\n    createDataSource(input: $input) {\n      __typename\n      ... on DataSource {\n        ...DataSourceFields\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateDataSource($id: ID!, $input: DataSourceInput!) {\n    updateDataSource(id: $id, input: $input) {\n      __typename\n      ... on DataSource {\n        ...DataSourceFields\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateDataSource($id: ID!, $input: DataSourceInput!) {\n    updateDataSource(id: $id, input: $input) {\n      __typename\n      ... on DataSource {\n        ...DataSourceFields\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteDataSource($id: ID!) {\n    deleteDataSource(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteDataSource($id: ID!) {\n    deleteDataSource(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateAddOn($input: AddOnInput!) {\n    createAddOn(input: $input) {\n      __typename\n      ... on AddOn {\n        ...AddOnFields\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateAddOn($input: AddOnInput!) {\n    createAddOn(input: $input) {\n      __typename\n      ... on AddOn {\n        ...AddOnFields\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateAddOn($id: ID!, $input: AddOnInput!) {\n    updateAddOn(id: $id, input: $input) {\n      __typename\n      ... on AddOn {\n        ...AddOnFields\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateAddOn($id: ID!, $input: AddOnInput!) {\n    updateAddOn(id: $id, input: $input) {\n      __typename\n      ... on AddOn {\n        ...AddOnFields\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteAddOn($id: ID!) {\n    deleteAddOn(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteAddOn($id: ID!) {\n    deleteAddOn(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateModel($input: ModelInput!) {\n    createModel(input: $input) {\n      __typename\n      ... on Model {\n        ...ModelFields\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateModel($input: ModelInput!) {\n    createModel(input: $input) {\n      __typename\n      ... on Model {\n        ...ModelFields\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateModel($id: ID!, $input: ModelInput!) {\n    updateModel(id: $id, input: $input) {\n      __typename\n      ... on Model {\n        ...ModelFields\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateModel($id: ID!, $input: ModelInput!) {\n    updateModel(id: $id, input: $input) {\n      __typename\n      ... on Model {\n        ...ModelFields\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteModel($id: ID!) {\n    deleteModel(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteModel($id: ID!) {\n    deleteModel(id: $id) {\n      __typename\n      ... on ResourceDeleted {\n        deletedId\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment WorkflowFields on Workflow {\n    id\n    name\n    description\n    status\n    version\n    isPublic\n    isTemplate\n    tags\n    executionCount\n    managedBy\n    sourcePath\n    sourceCommit\n    syncStatus\n    syncError\n    updatedAt\n    webhookUrl\n    owner {\n      id\n      handle\n      displayName\n    }\n    sharedWith {\n      id\n      handle\n      displayName\n    }\n    nodes {\n      id\n      type\n      params\n      dataSource\n      model\n      addOn\n      retry {\n        maxAttempts\n        backoffSeconds\n      }\n    }\n    connections {\n      from\n      to\n      on\n    }\n    trigger {\n      type\n      cron\n      timezone\n    }\n    settings {\n      maxAttempts\n      timeoutSeconds\n      nodeTimeoutSeconds\n      concurrency\n    }\n    deploymentSettings {\n      environment\n      cpu\n      memory\n      disk\n      gpu\n      gpuType\n    }\n    deploymentEnvironmentId\n    deploymentCpu\n    deploymentMemory\n    deploymentDisk\n    deploymentGpu\n    deploymentGpuType\n    deploymentNamespace\n    deploymentName\n    deploymentPodName\n    deploymentPhase\n    deploymentError\n    deployedAt\n  }\n"): (typeof documents)["\n  fragment WorkflowFields on Workflow {\n    id\n    name\n    description\n    status\n    version\n    isPublic\n    isTemplate\n    tags\n    executionCount\n    managedBy\n    sourcePath\n    sourceCommit\n    syncStatus\n    syncError\n    updatedAt\n    webhookUrl\n    owner {\n      id\n      handle\n      displayName\n    }\n    sharedWith {\n      id\n      handle\n      displayName\n    }\n    nodes {\n      id\n      type\n      params\n      dataSource\n      model\n      addOn\n      retry {\n        maxAttempts\n        backoffSeconds\n      }\n    }\n    connections {\n      from\n      to\n      on\n    }\n    trigger {\n      type\n      cron\n      timezone\n    }\n    settings {\n      maxAttempts\n      timeoutSeconds\n      nodeTimeoutSeconds\n      concurrency\n    }\n    deploymentSettings {\n      environment\n      cpu\n      memory\n      disk\n      gpu\n      gpuType\n    }\n    deploymentEnvironmentId\n    deploymentCpu\n    deploymentMemory\n    deploymentDisk\n    deploymentGpu\n    deploymentGpuType\n    deploymentNamespace\n    deploymentName\n    deploymentPodName\n    deploymentPhase\n    deploymentError\n    deployedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WorkflowDetail($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ... on Error {\n        message\n      }\n    }\n    me {\n      user {\n        id\n      }\n      role\n      organization {\n        id\n        allowGitOverrides\n      }\n    }\n  }\n"): (typeof documents)["\n  query WorkflowDetail($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ... on Error {\n        message\n      }\n    }\n    me {\n      user {\n        id\n      }\n      role\n      organization {\n        id\n        allowGitOverrides\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription WorkflowLive($id: ID!) {\n    workflowUpdated(workflowId: $id) {\n      __typename\n      ... on WorkflowEvent {\n        kind\n        change {\n          reason\n        }\n        workflow {\n          ...WorkflowFields\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription WorkflowLive($id: ID!) {\n    workflowUpdated(workflowId: $id) {\n      __typename\n      ... on WorkflowEvent {\n        kind\n        change {\n          reason\n        }\n        workflow {\n          ...WorkflowFields\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeployWorkflow($id: ID!, $settings: DeployWorkflowInput, $force: Boolean!) {\n    deployWorkflow(workflowId: $id, settings: $settings, forceRedeploy: $force) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation DeployWorkflow($id: ID!, $settings: DeployWorkflowInput, $force: Boolean!) {\n    deployWorkflow(workflowId: $id, settings: $settings, forceRedeploy: $force) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UndeployWorkflow($id: ID!) {\n    undeployWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation UndeployWorkflow($id: ID!) {\n    undeployWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PauseWorkflow($id: ID!) {\n    pauseWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation PauseWorkflow($id: ID!) {\n    pauseWorkflow(workflowId: $id) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateWorkflow($id: ID!, $input: UpdateWorkflowInput!, $expectedVersion: Int) {\n    updateWorkflow(id: $id, input: $input, expectedVersion: $expectedVersion) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateWorkflow($id: ID!, $input: UpdateWorkflowInput!, $expectedVersion: Int) {\n    updateWorkflow(id: $id, input: $input, expectedVersion: $expectedVersion) {\n      __typename\n      ... on Workflow {\n        ...WorkflowFields\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RunWorkflow($id: ID!, $input: JSON) {\n    runWorkflow(workflowId: $id, input: $input) {\n      __typename\n      ... on Execution {\n        id\n        status\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation RunWorkflow($id: ID!, $input: JSON) {\n    runWorkflow(workflowId: $id, input: $input) {\n      __typename\n      ... on Execution {\n        id\n        status\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CloneWorkflow($id: ID!, $name: String!) {\n    cloneWorkflow(workflowId: $id, name: $name) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation CloneWorkflow($id: ID!, $name: String!) {\n    cloneWorkflow(workflowId: $id, name: $name) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateTemplate($id: ID!, $name: String) {\n    createTemplate(workflowId: $id, name: $name) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateTemplate($id: ID!, $name: String) {\n    createTemplate(workflowId: $id, name: $name) {\n      __typename\n      ... on Workflow {\n        id\n        name\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ShareWorkflow($id: ID!, $userId: ID!) {\n    shareWorkflow(workflowId: $id, userId: $userId) {\n      __typename\n      ... on Workflow {\n        id\n        sharedWith {\n          id\n          handle\n          displayName\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation ShareWorkflow($id: ID!, $userId: ID!) {\n    shareWorkflow(workflowId: $id, userId: $userId) {\n      __typename\n      ... on Workflow {\n        id\n        sharedWith {\n          id\n          handle\n          displayName\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnshareWorkflow($id: ID!, $userId: ID!) {\n    unshareWorkflow(workflowId: $id, userId: $userId) {\n      __typename\n      ... on Workflow {\n        id\n        sharedWith {\n          id\n          handle\n          displayName\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation UnshareWorkflow($id: ID!, $userId: ID!) {\n    unshareWorkflow(workflowId: $id, userId: $userId) {\n      __typename\n      ... on Workflow {\n        id\n        sharedWith {\n          id\n          handle\n          displayName\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteWorkflow($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on WorkflowDeleted {\n        deletedId\n        name\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteWorkflow($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on WorkflowDeleted {\n        deletedId\n        name\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrganizationMembers {\n    members(first: 100) {\n      nodes {\n        id\n        user {\n          id\n          handle\n          displayName\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query OrganizationMembers {\n    members(first: 100) {\n      nodes {\n        id\n        user {\n          id\n          handle\n          displayName\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WorkflowRevisions($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        revisions(first: 100) {\n          nodes {\n            id\n            version\n            createdAt\n            source\n            sourceCommit\n            definition\n            author {\n              id\n              handle\n            }\n            changes {\n              path\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query WorkflowRevisions($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        revisions(first: 100) {\n          nodes {\n            id\n            version\n            createdAt\n            source\n            sourceCommit\n            definition\n            author {\n              id\n              handle\n            }\n            changes {\n              path\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EnvironmentNames {\n    environments(first: 100) {\n      nodes {\n        id\n        name\n        buildStatus\n      }\n    }\n  }\n"): (typeof documents)["\n  query EnvironmentNames {\n    environments(first: 100) {\n      nodes {\n        id\n        name\n        buildStatus\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;