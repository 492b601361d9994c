// Every saved version of the definition, and a line diff between any two of them.
import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { diffLines } from '../../components/diff';
import { compact, toYaml } from '../../components/definition';
import { WorkflowRevisions } from './documents';

/** Mounted anew (keyed by the workflow's version) after each save, so it fetches again. */
export function Revisions({ workflowId }: { workflowId: string }) {
  const [{ data, fetching }] = useQuery({
    query: WorkflowRevisions,
    variables: { id: workflowId },
    requestPolicy: 'cache-and-network',
  });
  const revisions = data?.workflow.__typename === 'Workflow' ? data.workflow.revisions.nodes : [];
  const sorted = [...revisions].sort((a, b) => b.version - a.version);
  const [picked, setPicked] = useState<{ from: number | null; to: number | null }>({ from: null, to: null });
  const to = picked.to ?? sorted[0]?.version ?? null;
  const from = picked.from ?? sorted[1]?.version ?? to;
  const yamlOf = (v: number | null) => {
    const revision = sorted.find((r) => r.version === v);
    return revision ? toYaml(compact(revision.definition)) : '';
  };
  const diff = useMemo(() => diffLines(yamlOf(from), yamlOf(to)), [from, to, data]);

  if (!data && fetching) return <p className="muted">Loading…</p>;
  const picker = (label: string, value: number | null, key: 'from' | 'to') => (
    <label className="select">
      <span>{label}</span>
      <select value={value ?? ''} onChange={(e) => setPicked({ ...picked, [key]: Number(e.target.value) })}>
        {sorted.map((r) => (
          <option key={r.id} value={r.version}>
            v{r.version}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <section aria-label="Revisions" className="revisions">
      <table className="table" aria-label="Revision list">
        <thead>
          <tr>
            <th>Version</th>
            <th>Saved</th>
            <th>Through</th>
            <th>By</th>
            <th>Changed</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.id} data-testid="revision-row">
              <td className="num">v{r.version}</td>
              <td title={r.createdAt}>{new Date(r.createdAt).toLocaleString()}</td>
              <td>
                {r.source === 'GIT' ? 'git' : 'API'}
                {r.sourceCommit && <code> {r.sourceCommit.slice(0, 10)}</code>}
              </td>
              <td>{r.author?.handle ?? '—'}</td>
              <td className="muted">{r.changes.map((c) => c.path).join(', ') || 'created'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="toolbar">
        {picker('Compare', from, 'from')}
        {picker('with', to, 'to')}
      </div>
      <pre className="code diff" data-testid="revision-diff">
        {diff.map((line, i) => (
          <div key={i} className={`diff-${line.kind}`}>
            {line.kind === 'added' ? '+ ' : line.kind === 'removed' ? '- ' : '  '}
            {line.text}
          </div>
        ))}
      </pre>
    </section>
  );
}
