// GraphiQL at /graphql, from this build: no CDN, so it works on a network without internet.
// Headers are kept in memory only; GraphiQL's settings let a user opt in to persisting them.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { GraphiQL } from 'graphiql';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { GRAPHQL_PATH, websocketUrl } from '../api/client';
import { authHeaders, loadSession } from '../api/session';
import { createFetcher } from './fetcher';

const DEFAULT_QUERY = `# Flowplane's GraphQL API: Ctrl-Enter runs a query,
# the Explorer (left) builds one.
{
  me { user { handle } organization { slug } }
  workflows(first: 10) {
    edges { node { id name status version managedBy } }
  }
}
`;

// Signed in to the console in this tab? Start with its credentials (not persisted).
const session = loadSession();
const defaultHeaders = session
  ? JSON.stringify(authHeaders(session.token, session.organization.slug), null, 2)
  : JSON.stringify({ Authorization: 'Bearer fp_…', 'X-Organization-ID': 'acme' }, null, 2);

const fetcher = createFetcher(GRAPHQL_PATH, websocketUrl());
const plugins = [explorerPlugin()];
const root = document.getElementById('graphiql');
if (!root) throw new Error('graphiql.html has no #graphiql');
createRoot(root).render(
  <StrictMode>
    <GraphiQL
      fetcher={fetcher}
      plugins={plugins}
      defaultQuery={DEFAULT_QUERY}
      defaultHeaders={defaultHeaders}
      shouldPersistHeaders={false}
      defaultEditorToolsVisibility="headers"
    />
  </StrictMode>,
);
