// One execution: what started it, its span tree beside a timeline, each node's output and
// error, the logs (tailing while it runs), and Retry / Cancel. Everything after the first
// load arrives over `executionUpdated`: no reload, no polling.
import { ArrowLeft, Ban, RotateCcw } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Link, useLocation, useParams } from 'wouter';
import { ExecutionStatusBadge } from '../components/ExecutionStatusBadge';
import { MutationError, useProblem } from '../components/MutationError';
import type { ExecutionFieldsFragment, LogFieldsFragment, RetryFrom, RetryVersion } from '../gql/graphql';
import { CancelExecution, ExecutionDetailQuery, ExecutionLive, RetryExecution } from './execution/documents';
import { duration } from './execution/filters';
import { JsonView } from './execution/JsonView';
import { Trace } from './execution/Trace';

const FINISHED = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** Log lines of the first load and those the subscription brought since, once each. */
export function mergeLogs(first: LogFieldsFragment[], live: LogFieldsFragment[]): LogFieldsFragment[] {
  const seen = new Set<string>();
  const out: LogFieldsFragment[] = [];
  for (const line of [...first, ...live]) {
    if (seen.has(line.id)) continue;
    seen.add(line.id);
    out.push(line);
  }
  return out;
}

function Controls({ execution: e }: { execution: ExecutionFieldsFragment }) {
  const [from, setFrom] = useState<RetryFrom>('FAILED_NODE');
  const [version, setVersion] = useState<RetryVersion>('PINNED');
  const [retryState, retry] = useMutation(RetryExecution);
  const [cancelState, cancel] = useMutation(CancelExecution);
  const { problem, check } = useProblem();
  const [, navigate] = useLocation();
  const finished = FINISHED.has(e.status);
  const onRetry = async () => {
    const result = await retry({ id: e.id, from, version });
    const next = result.data?.retryExecution;
    if (check(result, next) && next?.__typename === 'Execution') navigate(`/executions/${next.id}`);
  };
  return (
    <>
      <div className="toolbar actions" role="toolbar" aria-label="Execution actions">
        <label className="select">
          <span>Retry from</span>
          <select value={from} onChange={(ev) => setFrom(ev.target.value as RetryFrom)}>
            <option value="FAILED_NODE">the failed node</option>
            <option value="START">the start</option>
          </select>
        </label>
        <label className="select">
          <span>with</span>
          <select value={version} onChange={(ev) => setVersion(ev.target.value as RetryVersion)} aria-label="Version">
            <option value="PINNED">its version (v{e.workflowVersion})</option>
            <option value="LATEST">the latest version</option>
          </select>
        </label>
        <button type="button" className="button primary" onClick={() => void onRetry()} disabled={!finished || retryState.fetching}>
          <RotateCcw size={16} aria-hidden /> Retry
        </button>
        <button
          type="button"
          className="button danger-outline"
          onClick={() => void cancel({ id: e.id }).then((r) => check(r, r.data?.cancelExecution))}
          disabled={finished || e.cancelRequested || cancelState.fetching}
        >
          <Ban size={16} aria-hidden /> {e.cancelRequested && !finished ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
      <MutationError problem={problem} />
    </>
  );
}

function Logs({ lines, live }: { lines: LogFieldsFragment[]; live: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight; // tail
  }, [lines.length]);
  return (
    <section aria-label="Logs">
      <h2>Logs {live && <span className="muted small">· live</span>}</h2>
      <div className="logs" ref={box} data-testid="logs">
        {lines.length === 0 && <span className="muted">{live ? 'No log lines yet.' : 'No log lines.'}</span>}
        {lines.map((l) => (
          <div key={l.id} className="log-line" data-level={l.level}>
            <span className="muted">{new Date(l.createdAt).toLocaleTimeString()}</span> <span className="level">{l.level}</span>{' '}
            {l.nodeId && <span className="node">[{l.nodeId}]</span>} {l.message}
          </div>
        ))}
      </div>
    </section>
  );
}

function Facts({ execution: e }: { execution: ExecutionFieldsFragment }) {
  return (
    <dl className="facts card panel">
      <dt>Workflow</dt>
      <dd>
        <Link href={`/workflows/${e.workflow.id}`}>{e.workflow.name}</Link> v{e.workflowVersion}
      </dd>
      <dt>Trigger</dt>
      <dd>
        {e.triggerType.toLowerCase()}
        {e.triggeredBy && ` by ${e.triggeredBy.handle}`}
      </dd>
      <dt>Attempt</dt>
      <dd>
        {e.attempt} of {e.maxAttempts}
      </dd>
      <dt>Started</dt>
      <dd>{e.startedAt ? new Date(e.startedAt).toLocaleString() : '—'}</dd>
      <dt>Ended</dt>
      <dd>{e.endedAt ? new Date(e.endedAt).toLocaleString() : '—'}</dd>
      <dt>Duration</dt>
      <dd data-testid="execution-duration">{duration(e.durationMs)}</dd>
      {e.retryOf && (
        <>
          <dt>Retry of</dt>
          <dd>
            <Link href={`/executions/${e.retryOf.id}`}>
              <code>{e.retryOf.id}</code>
            </Link>{' '}
            from {e.retryFrom === 'FAILED_NODE' ? 'the failed node' : 'the start'}
          </dd>
        </>
      )}
    </dl>
  );
}

/** Keyed by the id: another execution (after a retry) starts with fresh state and logs. */
export function ExecutionDetailScreen() {
  const { id = '' } = useParams<{ id: string }>();
  return <ExecutionDetail key={id} id={id} />;
}

function ExecutionDetail({ id }: { id: string }) {
  const [{ data, error, fetching }] = useQuery({ query: ExecutionDetailQuery, variables: { id } });
  // Subscribe once the first load is in: its SNAPSHOT is then never older than that load, so a
  // run that ends while the page opens cannot leave a late query answer over the final state.
  const [live] = useSubscription({ query: ExecutionLive, variables: { id }, pause: !data }, (lines: LogFieldsFragment[] = [], event) => {
    const update = event.executionUpdated;
    return update.__typename === 'ExecutionEvent' && update.log ? [...lines, update.log] : lines;
  });

  if (error) return <p className="error" role="alert">{error.graphQLErrors[0]?.message ?? 'The execution could not be loaded.'}</p>;
  if (!data) return fetching ? <p className="muted">Loading…</p> : null;
  if (data.execution.__typename !== 'Execution') {
    return (
      <p className="error" role="alert">
        {'message' in data.execution ? data.execution.message : 'No such execution.'}
      </p>
    );
  }
  const e = data.execution;
  const running = !FINISHED.has(e.status);
  return (
    <section className="execution-detail">
      <header className="screen-header">
        <Link href={`/workflows/${e.workflow.id}?tab=executions`} className="back">
          <ArrowLeft size={14} aria-hidden /> {e.workflow.name}: executions
        </Link>
        <h1>
          Execution <code>{e.id}</code> <span data-testid="execution-status"><ExecutionStatusBadge status={e.status} /></span>
        </h1>
      </header>
      <Controls execution={e} />
      {e.error && (
        <pre className="error" data-testid="execution-error">
          {e.error}
        </pre>
      )}
      <div className="detail-grid">
        <div>
          <Trace spans={e.spans} running={running} />
          <Logs lines={mergeLogs(e.logs.nodes, live.data ?? [])} live={running} />
        </div>
        <div>
          <Facts execution={e} />
          <section className="card panel" aria-label="Input">
            <h2>Input</h2>
            <JsonView value={e.input} />
          </section>
        </div>
      </div>
    </section>
  );
}
