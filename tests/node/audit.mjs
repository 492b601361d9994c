// The graphql-http audit suite (GraphQL over HTTP conformance) against a running Flowplane.
// Every request carries the caller's credentials, as a real client's would; prints one JSON
// array of {id, name, status, reason} to stdout.
import { auditServer } from 'graphql-http';

const { FLOWPLANE_URL, FLOWPLANE_TOKEN, FLOWPLANE_ORG } = process.env;
const credentials = { authorization: `Bearer ${FLOWPLANE_TOKEN}`, 'x-organization-id': FLOWPLANE_ORG };

function authenticatedFetch(input, init = {}) {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(credentials)) headers.set(name, value);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url: `${FLOWPLANE_URL}/graphql`, fetchFn: authenticatedFetch });
const report = await Promise.all(results.map(async (r) => ({
  id: r.id,
  name: r.name,
  status: r.status,
  reason: r.status === 'ok' ? null : `${r.reason} ${r.response ? `(${r.response.status}: ${await r.response.text()})` : ''}`,
})));
process.stdout.write(JSON.stringify(report, null, 1));
