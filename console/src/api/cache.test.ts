// The cache the console runs on: a workflow changed by a mutation result (or a subscription
// event) changes in every list that shows it, without refetching.
import { Client, type Exchange, type Operation, makeResult } from 'urql';
import { fromValue, map, mergeMap, pipe, take, toPromise } from 'wonka';
import { expect, test } from 'vitest';
import { graphql } from '../gql';
import introspection from '../gql/introspection';
import type { IntrospectionQuery } from 'graphql';
import { createCache } from './client';
import { embeddedKeys } from './keys';

const List = graphql(`
  query CacheTestList {
    workflows(first: 10) {
      edges {
        node {
          id
          name
          status
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const Pause = graphql(`
  mutation CacheTestPause($id: ID!) {
    pauseWorkflow(workflowId: $id) {
      __typename
      ... on Workflow {
        id
        status
      }
      ... on Error {
        message
      }
    }
  }
`);

/** Stands in for the network: answers each operation with a canned result. */
function answering(results: Record<string, unknown>): Exchange {
  return () => (operations$) =>
    pipe(
      operations$,
      mergeMap((operation: Operation) => {
        const name = operation.query.definitions.find((d) => d.kind === 'OperationDefinition');
        const key = name && 'name' in name ? (name.name?.value ?? '') : '';
        const data = results[key] as Record<string, unknown>;
        return pipe(fromValue(data), map((value) => makeResult(operation, { data: value })));
      }),
    );
}

const page = (status: string) => ({
  workflows: {
    __typename: 'WorkflowConnection',
    edges: [
      {
        __typename: 'WorkflowEdge',
        node: { __typename: 'Workflow', id: '7', name: 'report', status },
      },
    ],
    pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
  },
});

test('a mutation result updates the cached workflow in the list', async () => {
  const client = new Client({
    url: '/graphql',
    exchanges: [
      createCache(),
      answering({
        CacheTestList: page('DRAFT'),
        CacheTestPause: { pauseWorkflow: { __typename: 'Workflow', id: '7', status: 'PAUSED' } },
      }),
    ],
  });
  const first = await client.query(List, {}).toPromise();
  expect(first.data?.workflows.edges[0]?.node.status).toBe('DRAFT');
  await client.mutation(Pause, { id: '7' }).toPromise();
  const cached = await client.query(List, {}, { requestPolicy: 'cache-only' }).toPromise();
  expect(cached.data?.workflows.edges[0]?.node.status).toBe('PAUSED');
});

test('an error member of a result union comes back with its fields', async () => {
  const client = new Client({
    url: '/graphql',
    exchanges: [
      createCache(),
      answering({
        CacheTestPause: {
          pauseWorkflow: { __typename: 'WorkflowNotFound', message: 'workflow 7 does not exist' },
        },
      }),
    ],
  });
  const result = await client.mutation(Pause, { id: '7' }).toPromise();
  expect(result.data?.pauseWorkflow).toEqual({
    __typename: 'WorkflowNotFound',
    message: 'workflow 7 does not exist',
  });
});

test('types without an id are embedded, types with one are entities', () => {
  const keys = embeddedKeys(introspection as unknown as IntrospectionQuery);
  expect(keys.PageInfo?.({ __typename: 'PageInfo' })).toBeNull();
  expect(keys.WorkflowEdge).toBeDefined();
  expect(keys.Workflow).toBeUndefined();
  expect(keys.Query).toBeUndefined();
});

const Delete = graphql(`
  mutation CacheTestDelete($id: ID!) {
    deleteWorkflow(id: $id) {
      __typename
      ... on WorkflowDeleted {
        deletedId
      }
    }
  }
`);

const Create = graphql(`
  mutation CacheTestCreate($input: CreateWorkflowInput!) {
    createWorkflow(input: $input) {
      __typename
      ... on Workflow {
        id
        name
      }
    }
  }
`);

/** Like `answering`, and counts the operations that reached it (the network). */
function counting(results: Record<string, unknown>, seen: string[]): Exchange {
  const inner = answering(results);
  return (input) => (operations$) =>
    inner(input)(
      pipe(
        operations$,
        map((operation: Operation) => {
          if (operation.kind !== 'teardown') seen.push(operation.kind);
          return operation;
        }),
      ),
    );
}

test('a deleted workflow leaves the cached list', async () => {
  const client = new Client({
    url: '/graphql',
    exchanges: [
      createCache(),
      answering({
        CacheTestList: page('DRAFT'),
        CacheTestDelete: { deleteWorkflow: { __typename: 'WorkflowDeleted', deletedId: '7' } },
      }),
    ],
  });
  await client.query(List, {}).toPromise();
  await client.mutation(Delete, { id: '7' }).toPromise();
  const cached = await client.query(List, {}, { requestPolicy: 'cache-only' }).toPromise();
  expect(cached.data?.workflows.edges.map((e) => e?.node?.id) ?? []).not.toContain('7');
});

test('a created workflow makes the lists go back to the network', async () => {
  const seen: string[] = [];
  const client = new Client({
    url: '/graphql',
    exchanges: [
      createCache(),
      counting(
        {
          CacheTestList: page('DRAFT'),
          CacheTestCreate: { createWorkflow: { __typename: 'Workflow', id: '8', name: 'new' } },
        },
        seen,
      ),
    ],
  });
  await client.query(List, {}).toPromise();
  await client.query(List, {}).toPromise(); // served by the cache
  expect(seen).toEqual(['query']);
  await client.mutation(Create, { input: { name: 'new' } }).toPromise();
  await client.query(List, {}).toPromise();
  expect(seen).toEqual(['query', 'mutation', 'query']);
});

const Executions = graphql(`
  query CacheTestExecutions {
    executions(first: 10) {
      edges {
        node {
          id
          status
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

test('a new execution announced by the subscription makes the list go back to the network', async () => {
  const seen: string[] = [];
  const listed = {
    executions: {
      __typename: 'ExecutionConnection',
      edges: [{ __typename: 'ExecutionEdge', node: { __typename: 'Execution', id: 'E1', status: 'COMPLETED' } }],
      pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
    },
  };
  const event = (kind: string, id: string, status: string) => ({
    executionsUpdated: { __typename: 'ExecutionEvent', kind, execution: { __typename: 'Execution', id, status } },
  });
  const answers: Record<string, unknown> = { CacheTestExecutions: listed };
  const client = new Client({ url: '/graphql', exchanges: [createCache(), counting(answers, seen)] });
  await client.query(Executions, {}).toPromise();
  await client.query(Executions, {}).toPromise();
  expect(seen).toEqual(['query']);
  const Live = graphql(`
    subscription CacheTestLive {
      executionsUpdated {
        __typename
        ... on ExecutionEvent {
          kind
          execution {
            id
            status
          }
        }
      }
    }
  `);
  // A status change updates the cached row and keeps the list cached.
  answers.CacheTestLive = event('STATUS', 'E1', 'FAILED');
  await pipe(client.subscription(Live, {}), take(1), toPromise);
  const cached = await client.query(Executions, {}, { requestPolicy: 'cache-only' }).toPromise();
  expect(cached.data?.executions.edges[0]?.node.status).toBe('FAILED');
  answers.CacheTestLive = event('CREATED', 'E2', 'PENDING');
  await pipe(client.subscription(Live, {}), take(1), toPromise);
  await client.query(Executions, {}).toPromise();
  expect(seen).toEqual(['query', 'subscription', 'subscription', 'query']);
});

test('the executions feed starting (READY) makes the list go back to the network', async () => {
  // The list is read before the subscription starts: what changed in between is in no event.
  const seen: string[] = [];
  const answers: Record<string, unknown> = {
    CacheTestExecutions: {
      executions: {
        __typename: 'ExecutionConnection',
        edges: [{ __typename: 'ExecutionEdge', node: { __typename: 'Execution', id: 'E1', status: 'RUNNING' } }],
        pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
      },
    },
    CacheTestReady: { executionsUpdated: { __typename: 'ExecutionEvent', kind: 'READY', execution: null } },
  };
  const client = new Client({ url: '/graphql', exchanges: [createCache(), counting(answers, seen)] });
  await client.query(Executions, {}).toPromise();
  const Ready = graphql(`
    subscription CacheTestReady {
      executionsUpdated {
        __typename
        ... on ExecutionEvent {
          kind
          execution {
            id
            status
          }
        }
      }
    }
  `);
  await pipe(client.subscription(Ready, {}), take(1), toPromise);
  await client.query(Executions, {}).toPromise();
  expect(seen).toEqual(['query', 'subscription', 'query']);
});

test('a secret set joins the secret list and a deleted one leaves it: both go back to the network', async () => {
  const seen: string[] = [];
  const List = graphql(`
    query CacheTestSecrets {
      secrets(first: 100) {
        nodes {
          id
          name
        }
      }
    }
  `);
  const Set = graphql(`
    mutation CacheTestSetSecret {
      setSecret(name: "b", value: "v") {
        __typename
        ... on Secret {
          id
          name
        }
      }
    }
  `);
  const Delete = graphql(`
    mutation CacheTestDeleteSecret {
      deleteSecret(name: "a") {
        __typename
        ... on SecretDeleted {
          deletedId
          name
        }
      }
    }
  `);
  const answers: Record<string, unknown> = {
    CacheTestSecrets: { secrets: { __typename: 'SecretConnection', nodes: [{ __typename: 'Secret', id: 'S1', name: 'a' }] } },
    CacheTestSetSecret: { setSecret: { __typename: 'Secret', id: 'S2', name: 'b' } },
    CacheTestDeleteSecret: { deleteSecret: { __typename: 'SecretDeleted', deletedId: 'S1', name: 'a' } },
  };
  const client = new Client({ url: '/graphql', exchanges: [createCache(), counting(answers, seen)] });
  await client.query(List, {}).toPromise();
  await client.query(List, {}).toPromise();
  expect(seen).toEqual(['query']);
  await client.mutation(Set, {}).toPromise();
  await client.query(List, {}).toPromise();
  expect(seen).toEqual(['query', 'mutation', 'query']);
  await client.mutation(Delete, {}).toPromise();
  await client.query(List, {}).toPromise();
  expect(seen).toEqual(['query', 'mutation', 'query', 'mutation', 'query']);
});
