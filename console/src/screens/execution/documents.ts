// The GraphQL documents of the executions list and the execution detail screen.
import { graphql } from '../../gql';

export const ExecutionRowFields = graphql(`
  fragment ExecutionRowFields on Execution {
    id
    status
    triggerType
    attempt
    createdAt
    startedAt
    endedAt
    durationMs
    retryFrom
    triggeredBy {
      id
      handle
    }
    workflow {
      id
      name
    }
  }
`);

export const ExecutionList = graphql(`
  query ExecutionList($filter: ExecutionFilter, $first: Int, $after: Cursor) {
    executions(filter: $filter, first: $first, after: $after) {
      edges {
        cursor
        node {
          ...ExecutionRowFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const ExecutionsLive = graphql(`
  subscription ExecutionsLive($filter: ExecutionFilter) {
    executionsUpdated(filter: $filter) {
      __typename
      ... on ExecutionEvent {
        kind
        status
        execution {
          ...ExecutionRowFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const SpanFields = graphql(`
  fragment SpanFields on Span {
    id
    kind
    nodeId
    attempt
    status
    startedAt
    endedAt
    durationMs
    output
    outputTruncated
    error
  }
`);

export const ExecutionFields = graphql(`
  fragment ExecutionFields on Execution {
    ...ExecutionRowFields
    error
    input
    workflowVersion
    maxAttempts
    cancelRequested
    retryOf {
      id
    }
    spans {
      ...SpanFields
      children {
        ...SpanFields
        children {
          ...SpanFields
        }
      }
    }
  }
`);

export const LogFields = graphql(`
  fragment LogFields on LogLine {
    id
    nodeId
    level
    message
    createdAt
  }
`);

export const ExecutionDetailQuery = graphql(`
  query ExecutionDetail($id: ID!) {
    execution(id: $id) {
      __typename
      ... on Execution {
        ...ExecutionFields
        logs(last: 100) {
          nodes {
            ...LogFields
          }
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

// Each event carries the execution as it is now (its spans included): graphcache merges it,
// so spans appear and finish on screen as they happen. Log lines are appended by the screen.
export const ExecutionLive = graphql(`
  subscription ExecutionLive($id: ID!) {
    executionUpdated(executionId: $id) {
      __typename
      ... on ExecutionEvent {
        kind
        cursor
        execution {
          ...ExecutionFields
        }
        log {
          ...LogFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const RetryExecution = graphql(`
  mutation RetryExecution($id: ID!, $from: RetryFrom!, $version: RetryVersion!) {
    retryExecution(id: $id, from: $from, version: $version) {
      __typename
      ... on Execution {
        ...ExecutionRowFields
      }
      ...ErrorFields
    }
  }
`);

export const CancelExecution = graphql(`
  mutation CancelExecution($id: ID!) {
    cancelExecution(id: $id) {
      __typename
      ... on Execution {
        id
        status
        cancelRequested
      }
      ...ErrorFields
    }
  }
`);
