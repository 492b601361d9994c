import { expect, test } from 'vitest';
import { isSubscription } from './fetcher';

test('subscriptions go over the websocket, everything else over HTTP', () => {
  expect(isSubscription({ query: 'subscription { workflowUpdated(workflowId: "1") { __typename } }' })).toBe(true);
  expect(isSubscription({ query: '{ me { handle } }' })).toBe(false);
  const both = 'query A { me { handle } } subscription B { x }';
  expect(isSubscription({ query: both, operationName: 'B' })).toBe(true);
  expect(isSubscription({ query: both, operationName: 'A' })).toBe(false);
  expect(isSubscription({ query: 'subscription {' })).toBe(false);
});
