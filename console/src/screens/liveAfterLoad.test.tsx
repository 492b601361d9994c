// Screens that follow a subscription open it only once their first load is in: a query answer
// that lands after the subscription's events would otherwise stand over a newer state (a run
// shown running for good after it ended while the page opened).
import { act, render, screen } from '@testing-library/react';
import { Client, Provider, makeResult, type Exchange, type Operation } from 'urql';
import { filter, makeSubject, map, mergeMap, never, pipe } from 'wonka';
import { expect, test } from 'vitest';
import { Route, Router } from 'wouter';
import { memoryLocation } from 'wouter/memory-location';
import { ExecutionDetailScreen } from './ExecutionDetail';
import { ExecutionsTable } from './Executions';

/** A network whose query answers the test releases, recording when each subscription starts. */
function network() {
  const answers = makeSubject<Record<string, unknown>>();
  const log: string[] = [];
  const exchange: Exchange = () => (operations$) =>
    pipe(
      operations$,
      filter((operation: Operation) => operation.kind !== 'teardown'),
      mergeMap((operation: Operation) => {
        log.push(operation.kind);
        if (operation.kind === 'subscription') return never;
        return pipe(answers.source, map((data) => makeResult(operation, { data })));
      }),
    );
  const client = new Client({ url: '/graphql', exchanges: [exchange] });
  return { client, log, answer: (data: Record<string, unknown>) => act(() => answers.next(data)) };
}

test('the executions list subscribes only once its first load is in', async () => {
  const { client, log, answer } = network();
  const { hook } = memoryLocation({ path: '/executions' });
  render(
    <Router hook={hook}>
      <Provider value={client}>
        <ExecutionsTable workflowId={null} />
      </Provider>
    </Router>,
  );
  expect(log).toContain('query');
  expect(log).not.toContain('subscription');
  answer({ executions: { edges: [], pageInfo: { hasNextPage: false, endCursor: null } } });
  expect(await screen.findByText('No executions yet: Run starts one.')).toBeTruthy();
  expect(log.filter((kind) => kind === 'subscription')).toHaveLength(1);
});

test('the execution page subscribes only once its first load is in', async () => {
  const { client, log, answer } = network();
  const { hook } = memoryLocation({ path: '/executions/E1' });
  render(
    <Router hook={hook}>
      <Provider value={client}>
        <Route path="/executions/:id" component={ExecutionDetailScreen} />
      </Provider>
    </Router>,
  );
  expect(log).toContain('query');
  expect(log).not.toContain('subscription');
  answer({ execution: { __typename: 'NotFound', message: 'execution E1 does not exist', code: 'NOT_FOUND' } });
  expect(await screen.findByText('execution E1 does not exist')).toBeTruthy();
  expect(log.filter((kind) => kind === 'subscription')).toHaveLength(1);
});
