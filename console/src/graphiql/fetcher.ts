// GraphiQL's fetcher: queries and mutations over HTTP with the headers of its Headers tab;
// subscriptions over graphql-transport-ws with the same headers as the connection_init
// payload (how the API authenticates websockets). One websocket per set of headers.
import { createGraphiQLFetcher, type Fetcher, type FetcherOpts, type FetcherParams } from '@graphiql/toolkit';
import { getOperationAST, parse } from 'graphql';
import { createClient, type Client } from 'graphql-ws';

export function isSubscription(params: FetcherParams): boolean {
  try {
    const operation = getOperationAST(parse(params.query), params.operationName ?? undefined);
    return operation?.operation === 'subscription';
  } catch {
    return false; // let the server report the syntax error
  }
}

export function createFetcher(url: string, websocketUrl: string): Fetcher {
  const http = createGraphiQLFetcher({ url });
  let socket: { key: string; client: Client } | null = null;
  const websocket = (headers: Record<string, string>): Client => {
    const key = JSON.stringify(headers);
    if (socket?.key !== key) {
      void socket?.client.dispose();
      socket = { key, client: createClient({ url: websocketUrl, connectionParams: headers, lazy: true }) };
    }
    return socket.client;
  };
  return (params: FetcherParams, opts?: FetcherOpts) => {
    if (!isSubscription(params)) return http(params, opts);
    const headers = (opts?.headers ?? {}) as Record<string, string>;
    const results = websocket(headers).iterate({
      query: params.query,
      variables: params.variables ?? undefined,
      operationName: params.operationName ?? undefined,
    });
    // graphql-ws yields results as JSON (formatted errors); GraphiQL's type says GraphQLError.
    return results as unknown as ReturnType<Fetcher>;
  };
}
