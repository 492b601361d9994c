// The one GraphQL client of the console: urql with graphcache (normalised: an object fetched
// by one screen and updated by a subscription is the same cached entity everywhere), plain
// fetch for queries and mutations, graphql-ws for subscriptions. Nothing here knows a screen.
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import type { IntrospectionQuery } from 'graphql';
import {
  Client,
  fetchExchange,
  mapExchange,
  subscriptionExchange,
  type CombinedError,
} from 'urql';
import introspection from '../gql/introspection';
import { embeddedKeys } from './keys';
import { authHeaders, type Session } from './session';
import { updates } from './updates';

export const GRAPHQL_PATH = '/graphql';

export function websocketUrl(location: Location = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${GRAPHQL_PATH}`;
}

/** The caller's credentials stopped working: the API refuses them before executing anything,
 * with 401 (expired or revoked token) or 403 (no longer a member of the organization). */
export function isUnauthenticated(error: CombinedError): boolean {
  const status = (error.response as Response | undefined)?.status;
  return (
    status === 401 ||
    status === 403 ||
    error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')
  );
}

const schema = introspection as unknown as IntrospectionQuery;

/** The normalised cache: entities by `__typename:id`, unions matched from the schema, pages
 * of `workflows` and `executions` merged as Relay connections, lists changed by mutations in `updates`. */
export function createCache() {
  return cacheExchange({
    schema,
    keys: embeddedKeys(schema),
    resolvers: { Query: { workflows: relayPagination(), executions: relayPagination() } },
    updates,
  });
}

export interface ConsoleClient {
  client: Client;
  dispose(): void;
}

export function createConsoleClient(session: Session, onUnauthenticated: () => void): ConsoleClient {
  const headers = authHeaders(session.token, session.organization.slug);
  let ws: WsClient | null = null; // opened by the first subscription, not before
  const websocket = () =>
    (ws ??= createWsClient({ url: websocketUrl(), connectionParams: headers, lazy: true }));
  const client = new Client({
    url: GRAPHQL_PATH,
    fetchOptions: () => ({ headers }),
    exchanges: [
      mapExchange({ onError: (error) => isUnauthenticated(error) && onUnauthenticated() }),
      createCache(),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: websocket().subscribe({ ...request, query: request.query ?? '' }, sink),
          }),
        }),
      }),
    ],
  });
  return { client, dispose: () => void ws?.dispose() };
}
