// What workflows use, per organization: environments (with their build status, error and
// log), data sources, add-ons and AI models. Each kind lists its items and who manages them
// (git or the API), adds one, edits one (the whole spec, as a YAML apply) and deletes one,
// with the API's errors shown in place. Git-managed items are changed in git unless the
// organization allows overrides, as the API decides.
import { GitBranch, Pencil, Plus, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { useClient, useMutation, useQuery, type AnyVariables, type TypedDocumentNode } from 'urql';
import { useLocation, useSearch } from 'wouter';
import { MutationError, useProblem } from '../components/MutationError';
import type { ResourceListsQuery } from '../gql/graphql';
import { ResourceLists } from './resources/documents';
import { formValues } from './resources/form';
import { KINDS, type Item, type Kind } from './resources/kinds';
import { ResourceDialog } from './resources/ResourceDialog';

function firstMember(data: Record<string, unknown> | undefined): unknown {
  return data ? Object.values(data)[0] : undefined;
}

function DeleteButton({ kind, item, disabled, onDeleted }: { kind: Kind<Item>; item: Item; disabled: boolean; onDeleted(): void }) {
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
      <button type="button" className="button ghost" onClick={() => void click()} disabled={fetching || disabled} aria-label={`Delete ${item.name}`}>
        <Trash2 size={14} aria-hidden /> {armed ? 'Confirm delete' : 'Delete'}
      </button>
      <MutationError problem={problem} />
    </>
  );
}

type Editing = { item: Item } | 'new' | null;

function KindSection({ kind, data, refresh }: { kind: Kind<Item>; data: ResourceListsQuery; refresh(): void }) {
  const [editing, setEditing] = useState<Editing>(null);
  const client = useClient();
  const items = kind.items(data);
  const overrides = data.me.organization.allowGitOverrides;
  const send = async (document: TypedDocumentNode<Record<string, unknown>, never>, variables: AnyVariables) => {
    const result = await client.mutation(document as TypedDocumentNode<Record<string, unknown>, AnyVariables>, variables).toPromise();
    return { error: result.error, member: firstMember(result.data) };
  };
  const current = editing && editing !== 'new' ? editing.item : null;
  return (
    <section aria-label={kind.title}>
      <div className="toolbar">
        <button type="button" className="button primary" onClick={() => setEditing('new')}>
          <Plus size={16} aria-hidden /> Add {kind.singular}
        </button>
      </div>
      {kind.total(data) > items.length && (
        <p className="muted small">
          The first {items.length} of {kind.total(data)} {kind.title.toLowerCase()}, by name.
        </p>
      )}
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
            {items.map((item) => {
              const locked = item.managedBy === 'GIT' && !overrides;
              return (
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
                  <td className="row-actions" title={locked ? `Managed by git: change ${item.sourcePath ?? 'its file'} instead` : undefined}>
                    <button type="button" className="button ghost" disabled={locked} onClick={() => setEditing({ item })} aria-label={`Edit ${item.name}`}>
                      <Pencil size={14} aria-hidden /> Edit
                    </button>
                    <DeleteButton kind={kind} item={item} disabled={locked} onDeleted={refresh} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {editing && (
        <ResourceDialog
          key={current?.id ?? 'new'}
          title={current ? `Edit ${kind.singular} ${current.name}` : `Add ${kind.singular}`}
          fields={kind.fields}
          initial={current ? formValues(kind.fields, current as unknown as Record<string, unknown>) : {}}
          editing={!!current}
          submit={(input) => (current ? send(kind.update, { id: current.id, input }) : send(kind.create, { input }))}
          onClose={(done) => {
            setEditing(null);
            if (done) refresh();
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
  // Builds are followed live by each environment's Build cell (environmentUpdated), not polled.
  return (
    <section>
      <header className="screen-header">
        <h1>Resources</h1>
        <p className="muted">
          What workflows run on and talk to. Credentials are references (a stored secret, a Kubernetes Secret, an
          environment variable or a file), never values.
        </p>
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
            {data && <span className="count">{k.total(data)}</span>}
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
