// What workflows use, per organization: environments (with their build status and error),
// data sources, add-ons and AI models. Each kind lists its items, who manages them (git or
// the API), adds one and deletes one, with the API's errors shown in place.
import { Trash2, Plus, GitBranch } from 'lucide-react';
import { useEffect, useState, type ReactNode } from 'react';
import { useClient, useMutation, useQuery, type AnyVariables, type TypedDocumentNode } from 'urql';
import { useLocation, useSearch } from 'wouter';
import { MutationError, useProblem } from '../components/MutationError';
import type { ResourceListsQuery } from '../gql/graphql';
import { AddResourceDialog, type FieldSpec } from './resources/AddResourceDialog';
import {
  CreateAddOn,
  CreateDataSource,
  CreateEnvironment,
  CreateModel,
  DeleteAddOn,
  DeleteDataSource,
  DeleteEnvironment,
  DeleteModel,
  ResourceLists,
} from './resources/documents';
import { describeSecretRef } from './resources/secretRef';

interface Item {
  id: string;
  name: string;
  managedBy: string;
  sourcePath?: string | null;
}

interface Kind<T extends Item> {
  key: string;
  title: string;
  singular: string;
  items(data: ResourceListsQuery): T[];
  columns: [string, (item: T) => ReactNode][];
  fields: FieldSpec[];
  create: TypedDocumentNode<Record<string, unknown>, { input: never }>;
  remove: TypedDocumentNode<Record<string, unknown>, { id: string }>;
}

const BUILD_LABELS: Record<string, string> = { NONE: 'not built', BUILDING: 'building', READY: 'ready', FAILED: 'failed' };

type Env = ResourceListsQuery['environments']['nodes'][number];
type Source = ResourceListsQuery['dataSources']['nodes'][number];
type AddOn = ResourceListsQuery['addOns']['nodes'][number];
type Model = ResourceListsQuery['models']['nodes'][number];

const KINDS = [
  {
    key: 'environments',
    title: 'Environments',
    singular: 'environment',
    items: (d) => d.environments.nodes,
    columns: [
      ['Runtime', (e) => <code>{e.image ?? e.baseImage ?? (e.dockerfile ? 'Dockerfile' : 'base image')}</code>],
      [
        'Build',
        (e) => (
          <div>
            <span className="phase" data-build={e.buildStatus}>
              {BUILD_LABELS[e.buildStatus] ?? e.buildStatus}
            </span>
            {e.builtImage && <div className="muted small">{e.builtImage}</div>}
            {e.buildError && <pre className="error small build-log">{e.buildError}</pre>}
          </div>
        ),
      ],
    ],
    fields: [
      { key: 'name', label: 'Name', required: true },
      { key: 'image', label: 'Image', placeholder: 'registry/image:tag' },
      { key: 'baseImage', label: 'Base image' },
      { key: 'dockerfile', label: 'Dockerfile', kind: 'textarea' },
    ],
    create: CreateEnvironment,
    remove: DeleteEnvironment,
  } as Kind<Env>,
  {
    key: 'data-sources',
    title: 'Data sources',
    singular: 'data source',
    items: (d) => d.dataSources.nodes,
    columns: [
      ['Type', (s) => s.type],
      ['Where', (s) => <code>{`${s.user ? `${s.user}@` : ''}${s.host ?? ''}${s.port ? `:${s.port}` : ''}/${s.database ?? ''}`}</code>],
      ['Password', (s) => <code>{describeSecretRef(s.passwordRef)}</code>],
    ],
    fields: [
      { key: 'name', label: 'Name', required: true },
      { key: 'type', label: 'Type', required: true, placeholder: 'postgres' },
      { key: 'host', label: 'Host', required: true },
      { key: 'port', label: 'Port', kind: 'number' },
      { key: 'database', label: 'Database' },
      { key: 'user', label: 'User' },
      { key: 'passwordRef', label: 'Password reference', kind: 'secret', placeholder: 'secret:NAME/KEY, env:VAR or file:PATH' },
    ],
    create: CreateDataSource,
    remove: DeleteDataSource,
  } as Kind<Source>,
  {
    key: 'add-ons',
    title: 'Add-ons',
    singular: 'add-on',
    items: (d) => d.addOns.nodes,
    columns: [
      ['Type', (a) => a.type],
      ['Endpoint', (a) => <code>{a.endpoint}</code>],
      ['Credentials', (a) => <code>{describeSecretRef(a.credentialsRef)}</code>],
    ],
    fields: [
      { key: 'name', label: 'Name', required: true },
      { key: 'type', label: 'Type', required: true, placeholder: 'redis' },
      { key: 'endpoint', label: 'Endpoint' },
      { key: 'credentialsRef', label: 'Credentials reference', kind: 'secret', placeholder: 'secret:NAME/KEY' },
    ],
    create: CreateAddOn,
    remove: DeleteAddOn,
  } as Kind<AddOn>,
  {
    key: 'models',
    title: 'Models',
    singular: 'model',
    items: (d) => d.models.nodes,
    columns: [
      ['Provider', (m) => m.provider],
      ['Model', (m) => <code>{m.model}</code>],
      ['Base URL', (m) => m.baseUrl ?? '—'],
      ['API key', (m) => <code>{describeSecretRef(m.apiKeyRef)}</code>],
    ],
    fields: [
      { key: 'name', label: 'Name', required: true },
      { key: 'provider', label: 'Provider', required: true, placeholder: 'openai' },
      { key: 'model', label: 'Model', required: true },
      { key: 'baseUrl', label: 'Base URL' },
      { key: 'apiKeyRef', label: 'API key reference', kind: 'secret', placeholder: 'secret:NAME/KEY' },
    ],
    create: CreateModel,
    remove: DeleteModel,
  } as Kind<Model>,
] as unknown as Kind<Item>[]; // each kind is typed above; the screen treats them alike

function firstMember(data: Record<string, unknown> | undefined): unknown {
  return data ? Object.values(data)[0] : undefined;
}

function DeleteButton({ kind, item, onDeleted }: { kind: Kind<Item>; item: Item; onDeleted(): void }) {
  const [armed, setArmed] = useState(false);
  const [{ fetching }, remove] = useMutation(kind.remove);
  const { problem, check } = useProblem();
  const click = async () => {
    if (!armed) return setArmed(true);
    const result = await remove({ id: item.id });
    setArmed(false);
    if (check(result, firstMember(result.data))) onDeleted();
  };
  return (
    <>
      <button type="button" className="button ghost" onClick={() => void click()} disabled={fetching} aria-label={`Delete ${item.name}`}>
        <Trash2 size={14} aria-hidden /> {armed ? 'Confirm delete' : 'Delete'}
      </button>
      <MutationError problem={problem} />
    </>
  );
}

function KindSection({ kind, data, refresh }: { kind: Kind<Item>; data: ResourceListsQuery; refresh(): void }) {
  const [adding, setAdding] = useState(false);
  const client = useClient();
  const items = kind.items(data);
  const create = async (input: Record<string, unknown>) => {
    const result = await client.mutation(kind.create as TypedDocumentNode<Record<string, unknown>, AnyVariables>, { input }).toPromise();
    return { error: result.error, member: firstMember(result.data) };
  };
  return (
    <section aria-label={kind.title}>
      <div className="toolbar">
        <button type="button" className="button primary" onClick={() => setAdding(true)}>
          <Plus size={16} aria-hidden /> Add {kind.singular}
        </button>
      </div>
      {items.length === 0 ? (
        <div className="empty">No {kind.title.toLowerCase()} yet: add one here or commit one to workflows.d/.</div>
      ) : (
        <table className="table" aria-label={`${kind.title} list`}>
          <thead>
            <tr>
              <th>Name</th>
              {kind.columns.map(([title]) => (
                <th key={title}>{title}</th>
              ))}
              <th>Managed by</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.id} data-testid="resource-row" data-name={item.name}>
                <td className="name">{item.name}</td>
                {kind.columns.map(([title, cell]) => (
                  <td key={title}>{cell(item)}</td>
                ))}
                <td>
                  {item.managedBy === 'GIT' ? (
                    <span className="managed">
                      <GitBranch size={14} aria-hidden /> <code>{item.sourcePath}</code>
                    </span>
                  ) : (
                    'API'
                  )}
                </td>
                <td>
                  <DeleteButton kind={kind} item={item} onDeleted={refresh} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {adding && (
        <AddResourceDialog
          title={`Add ${kind.singular}`}
          fields={kind.fields}
          create={create}
          onClose={(created) => {
            setAdding(false);
            if (created) refresh();
          }}
        />
      )}
    </section>
  );
}

export function ResourcesScreen() {
  const [location, navigate] = useLocation();
  const current = new URLSearchParams(useSearch()).get('kind') ?? KINDS[0]!.key;
  const kind = KINDS.find((k) => k.key === current) ?? KINDS[0]!;
  const [{ data, error }, reexecute] = useQuery({ query: ResourceLists, requestPolicy: 'cache-and-network' });
  const refresh = () => reexecute({ requestPolicy: 'network-only' });
  // No subscription carries builds: while one runs, the list refetches every 2 s.
  const building = !!data?.environments.nodes.some((e) => e.buildStatus === 'BUILDING');
  useEffect(() => {
    if (!building) return undefined;
    const timer = setInterval(() => reexecute({ requestPolicy: 'network-only' }), 2000);
    return () => clearInterval(timer);
  }, [building, reexecute]);
  return (
    <section>
      <header className="screen-header">
        <h1>Resources</h1>
        <p className="muted">What workflows run on and talk to. Secrets appear as references, never as values.</p>
      </header>
      <nav className="tabs" role="tablist" aria-label="Resource kinds">
        {KINDS.map((k) => (
          <button
            key={k.key}
            type="button"
            role="tab"
            aria-selected={k.key === kind.key}
            className={k.key === kind.key ? 'tab active' : 'tab'}
            onClick={() => navigate(`${location}?kind=${k.key}`, { replace: true })}
          >
            {k.title}
            {data && <span className="count">{k.items(data).length}</span>}
          </button>
        ))}
      </nav>
      {error && (
        <p className="error" role="alert">
          {error.graphQLErrors[0]?.message ?? 'The resources could not be loaded.'}
        </p>
      )}
      {data && <KindSection key={kind.key} kind={kind} data={data} refresh={refresh} />}
    </section>
  );
}
