// The GraphQL documents of the workflow detail screen. Every mutation answers with the
// workflow's fields (so graphcache updates every screen showing it) or an error member.
import { graphql } from '../../gql';

export const WorkflowFields = graphql(`
  fragment WorkflowFields on Workflow {
    id
    name
    description
    status
    version
    isPublic
    isTemplate
    tags
    executionCount
    managedBy
    sourcePath
    sourceCommit
    syncStatus
    syncError
    updatedAt
    webhookUrl
    owner {
      id
      handle
      displayName
    }
    sharedWith {
      id
      handle
      displayName
    }
    nodes {
      id
      type
      params
      dataSource
      model
      addOn
      retry {
        maxAttempts
        backoffSeconds
      }
    }
    connections {
      from
      to
      on
    }
    trigger {
      type
      cron
      timezone
    }
    settings {
      maxAttempts
      timeoutSeconds
      nodeTimeoutSeconds
      concurrency
    }
    deploymentSettings {
      environment
      cpu
      memory
      disk
      gpu
      gpuType
      autoscale {
        min
        max
      }
    }
    deploymentEnvironmentId
    deploymentCpu
    deploymentMemory
    deploymentDisk
    deploymentGpu
    deploymentGpuType
    deploymentAutoscaleMin
    deploymentAutoscaleMax
    deploymentNamespace
    deploymentName
    deploymentPodName
    deploymentPhase
    deploymentError
    deployedAt
  }
`);

export const WorkflowDetailQuery = graphql(`
  query WorkflowDetail($id: ID!) {
    workflow(id: $id) {
      __typename
      ... on Workflow {
        ...WorkflowFields
      }
      ... on Error {
        message
      }
    }
    me {
      user {
        id
      }
      role
      organization {
        id
        allowGitOverrides
      }
    }
  }
`);

export const WorkflowLive = graphql(`
  subscription WorkflowLive($id: ID!) {
    workflowUpdated(workflowId: $id) {
      __typename
      ... on WorkflowEvent {
        kind
        change {
          reason
        }
        workflow {
          ...WorkflowFields
        }
      }
    }
  }
`);

export const DeployWorkflow = graphql(`
  mutation DeployWorkflow($id: ID!, $settings: DeployWorkflowInput, $force: Boolean!) {
    deployWorkflow(workflowId: $id, settings: $settings, forceRedeploy: $force) {
      __typename
      ... on Workflow {
        ...WorkflowFields
      }
      ...ErrorFields
    }
  }
`);

export const UndeployWorkflow = graphql(`
  mutation UndeployWorkflow($id: ID!) {
    undeployWorkflow(workflowId: $id) {
      __typename
      ... on Workflow {
        ...WorkflowFields
      }
      ...ErrorFields
    }
  }
`);

export const PauseWorkflow = graphql(`
  mutation PauseWorkflow($id: ID!) {
    pauseWorkflow(workflowId: $id) {
      __typename
      ... on Workflow {
        ...WorkflowFields
      }
      ...ErrorFields
    }
  }
`);

export const UpdateWorkflow = graphql(`
  mutation UpdateWorkflow($id: ID!, $input: UpdateWorkflowInput!, $expectedVersion: Int) {
    updateWorkflow(id: $id, input: $input, expectedVersion: $expectedVersion) {
      __typename
      ... on Workflow {
        ...WorkflowFields
      }
      ...ErrorFields
    }
  }
`);

export const RunWorkflow = graphql(`
  mutation RunWorkflow($id: ID!, $input: JSON) {
    runWorkflow(workflowId: $id, input: $input) {
      __typename
      ... on Execution {
        id
        status
      }
      ...ErrorFields
    }
  }
`);

export const CloneWorkflow = graphql(`
  mutation CloneWorkflow($id: ID!, $name: String!) {
    cloneWorkflow(workflowId: $id, name: $name) {
      __typename
      ... on Workflow {
        id
        name
      }
      ...ErrorFields
    }
  }
`);

export const CreateTemplate = graphql(`
  mutation CreateTemplate($id: ID!, $name: String) {
    createTemplate(workflowId: $id, name: $name) {
      __typename
      ... on Workflow {
        id
        name
      }
      ...ErrorFields
    }
  }
`);

export const ShareWorkflow = graphql(`
  mutation ShareWorkflow($id: ID!, $userId: ID!) {
    shareWorkflow(workflowId: $id, userId: $userId) {
      __typename
      ... on Workflow {
        id
        sharedWith {
          id
          handle
          displayName
        }
      }
      ...ErrorFields
    }
  }
`);

export const UnshareWorkflow = graphql(`
  mutation UnshareWorkflow($id: ID!, $userId: ID!) {
    unshareWorkflow(workflowId: $id, userId: $userId) {
      __typename
      ... on Workflow {
        id
        sharedWith {
          id
          handle
          displayName
        }
      }
      ...ErrorFields
    }
  }
`);

export const DeleteWorkflow = graphql(`
  mutation DeleteWorkflow($id: ID!) {
    deleteWorkflow(id: $id) {
      __typename
      ... on WorkflowDeleted {
        deletedId
        name
      }
      ...ErrorFields
    }
  }
`);

export const OrganizationMembers = graphql(`
  query OrganizationMembers {
    members(first: 100) {
      nodes {
        id
        user {
          id
          handle
          displayName
        }
      }
    }
  }
`);

export const WorkflowRevisions = graphql(`
  query WorkflowRevisions($id: ID!) {
    workflow(id: $id) {
      __typename
      ... on Workflow {
        id
        revisions(first: 100) {
          nodes {
            id
            version
            createdAt
            source
            sourceCommit
            definition
            author {
              id
              handle
            }
            changes {
              path
            }
          }
        }
      }
    }
  }
`);

export const EnvironmentNames = graphql(`
  query EnvironmentNames {
    environments(first: 100) {
      nodes {
        id
        name
        buildStatus
      }
    }
  }
`);
