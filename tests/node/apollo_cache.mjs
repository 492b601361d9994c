// An Apollo Client 4 session against a running Flowplane: run a workflow, follow the run
// over graphql-ws, then read the normalised cache without the network. Prints one JSON line:
// the cached status right after runWorkflow, the event kinds seen, and the cached status
// after the subscription completed (only its events can have changed it).
import { readFileSync } from "node:fs";
import { ApolloClient, HttpLink, InMemoryCache, gql, split } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const {
  FLOWPLANE_URL: url, FLOWPLANE_TOKEN: token, FLOWPLANE_ORGANIZATION: organization,
  FLOWPLANE_WORKFLOW: workflowId, FLOWPLANE_POSSIBLE_TYPES: possibleTypesFile,
} = process.env;
const headers = { Authorization: `Bearer ${token}`, "X-Organization-ID": organization };
const ws = createClient({
  url: `${url.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket,
  connectionParams: headers,
});
const isSubscription = ({ query }) => {
  const definition = getMainDefinition(query);
  return definition.kind === "OperationDefinition" && definition.operation === "subscription";
};
const client = new ApolloClient({
  link: split(isSubscription, new GraphQLWsLink(ws),
              new HttpLink({ uri: `${url}/graphql`, headers })),
  cache: new InMemoryCache({ possibleTypes: JSON.parse(readFileSync(possibleTypesFile)) }),
});

const EXECUTION = gql`query Execution($id: ID!) {
  execution(id: $id) { __typename ... on Execution { id status } } }`;
const run = await client.mutate({
  mutation: gql`mutation Run($w: ID!) { runWorkflow(workflowId: $w) {
    __typename ... on Execution { id status } ... on Error { message } } }`,
  variables: { w: workflowId },
});
const id = run.data.runWorkflow.id;
if (!id) throw new Error(`runWorkflow: ${JSON.stringify(run.data)}`);
// What the cache holds for the execution the mutation returned (it is the same entity).
client.writeQuery({ query: EXECUTION, variables: { id },
                    data: { execution: run.data.runWorkflow } });
const before = client.readQuery({ query: EXECUTION, variables: { id } }).execution.status;

const kinds = [];
await new Promise((resolve, reject) => {
  client.subscribe({
    query: gql`subscription Watch($id: ID!) { executionUpdated(executionId: $id) {
      __typename ... on ExecutionEvent { kind status execution { id status } }
      ... on Error { message } } }`,
    variables: { id },
  }).subscribe({
    next: ({ data }) => kinds.push(data.executionUpdated.kind ?? data.executionUpdated.__typename),
    error: reject,
    complete: resolve,
  });
});
const after = client.readQuery({ query: EXECUTION, variables: { id } }).execution.status;
console.log(JSON.stringify({ id, before, kinds, after }));
await ws.dispose();
