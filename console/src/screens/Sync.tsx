// The git sync's runs, newest first: status, commit, how many of each action, and per file
// what was done or why not (`file:line:column` for a broken document). "Sync now" queues a
// run for the organization's sync daemon; the list refreshes while a run is queued or going.
import { RefreshCw } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { MutationError, useProblem } from '../components/MutationError';
import { graphql } from '../gql';
import type { SyncRunsQuery } from '../gql/graphql';

const SyncRuns = graphql(`
  query SyncRuns {
    syncRuns(first: 30) {
      nodes {
        id
        repo
        branch
        commit
        status
        dryRun
        counts
        error
        startedAt
        endedAt
        files {
          path
          kind
          name
          action
          status
          error
          line
          column
        }
      }
    }
  }
`);

const SyncNow = graphql(`
  mutation SyncNow {
    syncNow {
      __typename
      ... on SyncRun {
        id
        status
      }
      ...ErrorFields
    }
  }
`);

type Run = SyncRunsQuery['syncRuns']['nodes'][number];
const ACTIVE = new Set(['REQUESTED', 'RUNNING']);

/** `path:line:column` as editors and compilers print it (only the parts known). */
export function fileLocation(file: { path: string; line?: number | null; column?: number | null }): string {
  if (!file.line) return file.path;
  return `${file.path}:${file.line}${file.column ? `:${file.column}` : ''}`;
}

function counts(run: Run): string {
  const entries = Object.entries((run.counts ?? {}) as Record<string, number>).filter(([, n]) => n > 0);
  return entries.map(([verb, n]) => `${n} ${verb.toLowerCase()}`).join(', ') || '—';
}

function Files({ run }: { run: Run }) {
  if (run.files.length === 0) return <p className="muted">No files in this run.</p>;
  return (
    <table className="table" aria-label="Files of the run">
      <thead>
        <tr>
          <th>File</th>
          <th>Document</th>
          <th>Action</th>
          <th>Result</th>
        </tr>
      </thead>
      <tbody>
        {run.files.map((f, i) => (
          <tr key={`${f.path}-${f.name}-${i}`} data-testid="sync-file" data-status={f.status}>
            <td>
              <code>{fileLocation(f)}</code>
            </td>
            <td>
              {f.kind ?? '—'} {f.name && <strong>{f.name}</strong>}
            </td>
            <td>{f.action.toLowerCase()}</td>
            <td>
              <span className="phase" data-file-status={f.status}>
                {f.status.toLowerCase()}
              </span>
              {f.error && <div className="sync-problem">{f.error}</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SyncScreen() {
  const [{ data, error }, reexecute] = useQuery({ query: SyncRuns, requestPolicy: 'cache-and-network' });
  const [{ fetching }, syncNow] = useMutation(SyncNow);
  const { problem, check } = useProblem();
  const [selected, setSelected] = useState<string | null>(null);
  const runs = data?.syncRuns.nodes ?? [];
  const busy = runs.some((r) => ACTIVE.has(r.status));
  useEffect(() => {
    if (!busy) return undefined;
    const timer = setInterval(() => reexecute({ requestPolicy: 'network-only' }), 2000);
    return () => clearInterval(timer);
  }, [busy, reexecute]);
  const shown = runs.find((r) => r.id === selected) ?? runs[0];
  const start = async () => {
    const result = await syncNow({});
    if (check(result, result.data?.syncNow)) reexecute({ requestPolicy: 'network-only' });
  };
  return (
    <section>
      <header className="screen-header row">
        <div>
          <h1>Sync</h1>
          <p className="muted">Runs of the git sync that reconciles workflows.d/ into the platform.</p>
        </div>
        <button type="button" className="button primary" onClick={() => void start()} disabled={fetching}>
          <RefreshCw size={16} aria-hidden /> Sync now
        </button>
      </header>
      <MutationError problem={problem} />
      {error && (
        <p className="error" role="alert">
          {error.graphQLErrors[0]?.message ?? 'The sync runs could not be loaded.'}
        </p>
      )}
      {data && runs.length === 0 && <div className="empty">No sync runs yet.</div>}
      {runs.length > 0 && (
        <table className="table" aria-label="Sync runs">
          <thead>
            <tr>
              <th>Started</th>
              <th>Status</th>
              <th>Commit</th>
              <th>Actions</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr
                key={r.id}
                data-testid="sync-run"
                data-status={r.status}
                className={shown?.id === r.id ? 'selected clickable' : 'clickable'}
                onClick={() => setSelected(r.id)}
              >
                <td>{r.startedAt ? new Date(r.startedAt).toLocaleString() : 'queued'}</td>
                <td>
                  <span className="badge" data-sync={r.status}>
                    {r.status.toLowerCase()}
                  </span>
                  {r.dryRun && <span className="muted small"> dry run</span>}
                </td>
                <td>
                  {r.branch} {r.commit && <code>{r.commit.slice(0, 10)}</code>}
                </td>
                <td className="muted">{counts(r)}</td>
                <td className="sync-problem">{r.error}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shown && (
        <section aria-label="Run files">
          <h2>Files of the run {shown.startedAt ? `of ${new Date(shown.startedAt).toLocaleString()}` : ''}</h2>
          <Files run={shown} />
        </section>
      )}
    </section>
  );
}
