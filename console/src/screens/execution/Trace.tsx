// The span tree (execution → attempt → node) beside a Gantt timeline of the same rows; a
// click on a row shows that span's output (collapsible JSON, "truncated" when the platform
// cut it), error and timing.
import { useEffect, useState } from 'react';
import { ExecutionStatusBadge } from '../../components/ExecutionStatusBadge';
import type { SpanFieldsFragment } from '../../gql/graphql';
import { duration } from './filters';
import { JsonView } from './JsonView';
import { timelineRows } from './timeline';

type SpanNode = SpanFieldsFragment & { children?: SpanNode[] };

function label(span: SpanNode): string {
  if (span.kind === 'EXECUTION') return 'execution';
  if (span.kind === 'ATTEMPT') return `attempt ${span.attempt}`;
  return span.nodeId ?? 'node';
}

/** Re-renders every second while something runs, so running bars grow. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return running ? now : Date.now();
}

function SpanDetail({ span }: { span: SpanNode }) {
  return (
    <section className="card panel span-detail" aria-label={`Span ${label(span)}`}>
      <h2>
        {label(span)} <ExecutionStatusBadge status={span.status} />
      </h2>
      <p className="muted small">
        {span.kind.toLowerCase()} · started {new Date(span.startedAt).toLocaleTimeString()} · {duration(span.durationMs)}
      </p>
      {span.error && (
        <pre className="error span-error" data-testid="span-error">
          {span.error}
        </pre>
      )}
      {span.kind === 'NODE' && (
        <>
          <h3>
            Output {span.outputTruncated && <span className="badge warn">truncated</span>}
          </h3>
          <div className="json" data-testid="span-output">
            {span.output === null || span.output === undefined ? <span className="muted">none</span> : <JsonView value={span.output} />}
          </div>
        </>
      )}
    </section>
  );
}

export function Trace({ spans, running }: { spans: SpanNode[]; running: boolean }) {
  const now = useNow(running);
  const rows = timelineRows(spans, now);
  const [selected, setSelected] = useState<string | null>(null);
  const shown = rows.find((r) => r.span.id === selected)?.span ?? rows.find((r) => r.span.kind === 'NODE' && r.span.status === 'FAILED')?.span;
  if (rows.length === 0) return <div className="empty">No spans yet: the execution is waiting for a worker.</div>;
  return (
    <div className="trace-grid">
      <table className="table trace" aria-label="Span tree">
        <thead>
          <tr>
            <th>Span</th>
            <th>Status</th>
            <th>Duration</th>
            <th className="timeline-head">Timeline</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ span, depth, offset, width }) => (
            <tr
              key={span.id}
              data-testid="span-row"
              data-kind={span.kind}
              data-node={span.nodeId ?? ''}
              data-status={span.status}
              className={shown?.id === span.id ? 'selected' : undefined}
              onClick={() => setSelected(span.id)}
            >
              <td>
                <button type="button" className="span-name" style={{ paddingLeft: depth * 16 }}>
                  {label(span)}
                </button>
              </td>
              <td>
                <ExecutionStatusBadge status={span.status} />
              </td>
              <td className="num">{duration(span.durationMs)}</td>
              <td className="timeline-cell">
                <div className="bar" data-status={span.status} style={{ left: `${offset * 100}%`, width: `${width * 100}%` }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown && <SpanDetail span={shown} />}
    </div>
  );
}
