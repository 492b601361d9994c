// A session with the reference graphql-ws client (graphql-transport-ws) against a running
// Flowplane: follow an execution until it completes, send a document that does not parse,
// and connect with bad credentials. Prints one JSON report to stdout.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const { FLOWPLANE_WS, FLOWPLANE_PARAMS, FLOWPLANE_BAD_PARAMS, FLOWPLANE_EXECUTION } = process.env;

function client(connectionParams, on = {}) {
  return createClient({ url: FLOWPLANE_WS, webSocketImpl: WebSocket, connectionParams,
                        retryAttempts: 0, lazy: true, on });
}

// Every `next` until `complete`; rejects with what the `error` message carried.
function collect(session, query, variables) {
  return new Promise((resolve, reject) => {
    const items = [];
    session.subscribe({ query, variables }, {
      next: (value) => items.push(value),
      error: reject,
      complete: () => resolve(items),
    });
  });
}

const WATCH = `subscription($id: ID!) { executionUpdated(executionId: $id) {
  ... on ExecutionEvent { kind cursor execution { status } } } }`;

const good = client(JSON.parse(FLOWPLANE_PARAMS));
const values = await collect(good, WATCH, { id: FLOWPLANE_EXECUTION });
const events = values.map((v) => {
  if (v.errors) throw new Error(JSON.stringify(v.errors));
  return v.data.executionUpdated;
});
const badDocument = await collect(good, 'subscription { executionUpdated(', {}).then(
  (items) => { throw new Error(`a bad document completed: ${JSON.stringify(items)}`); },
  (errors) => errors,
);
await good.dispose();

const refused = await new Promise((resolve) => {
  const bad = client(JSON.parse(FLOWPLANE_BAD_PARAMS), {
    closed: (event) => resolve({ code: event.code, reason: event.reason }),
  });
  bad.subscribe({ query: WATCH, variables: { id: FLOWPLANE_EXECUTION } },
                { next: () => {}, error: () => {}, complete: () => {} });
});

process.stdout.write(JSON.stringify({ events, badDocument, refused }));
process.exit(0);
