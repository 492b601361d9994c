// Executions, newest first: the seed's columns (id, status, started, ended, duration, who
// triggered it, trigger type), filters in the address, keyset paging ("Load more" follows the
// cursor), and live: new runs and status changes arrive over `executionsUpdated`.
import { useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Link, useLocation, useSearch } from 'wouter';
import { ExecutionStatusBadge } from '../components/ExecutionStatusBadge';
import type { ExecutionRowFieldsFragment } from '../gql/graphql';
import { ExecutionList, ExecutionsLive } from './execution/documents';
import {
  EXECUTION_STATUSES,
  TRIGGER_TYPES,
  duration,
  parseExecutionFilters,
  toExecutionFilter,
  withExecutionFilters,
  type ExecutionFilters,
} from './execution/filters';

const PAGE = 25;

function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

function Row({ execution: e, showWorkflow }: { execution: ExecutionRowFieldsFragment; showWorkflow: boolean }) {
  return (
    <tr data-testid="execution-row" data-id={e.id} data-status={e.status}>
      <td>
        <Link href={`/executions/${e.id}`}>
          <code>{e.id}</code>
        </Link>
        {e.retryFrom && <span className="muted small"> retry</span>}
      </td>
      {showWorkflow && (
        <td>
          <Link href={`/workflows/${e.workflow.id}`}>{e.workflow.name}</Link>
        </td>
      )}
      <td>
        <ExecutionStatusBadge status={e.status} />
      </td>
      <td title={e.startedAt ?? undefined}>{when(e.startedAt)}</td>
      <td title={e.endedAt ?? undefined}>{when(e.endedAt)}</td>
      <td className="num">{duration(e.durationMs)}</td>
      <td>{e.triggeredBy?.handle ?? '—'}</td>
      <td>{e.triggerType.toLowerCase()}</td>
    </tr>
  );
}

function FilterBar({ filters, onChange }: { filters: ExecutionFilters; onChange(next: ExecutionFilters): void }) {
  const select = (label: string, key: 'status' | 'trigger', values: string[]) => (
    <label className="select">
      <span>{label}</span>
      <select value={filters[key] ?? ''} onChange={(e) => onChange({ ...filters, [key]: e.target.value || null })}>
        <option value="">any</option>
        {values.map((v) => (
          <option key={v} value={v}>
            {v.toLowerCase()}
          </option>
        ))}
      </select>
    </label>
  );
  const day = (label: string, key: 'from' | 'to') => (
    <label className="select">
      <span>{label}</span>
      <input type="date" value={filters[key] ?? ''} onChange={(e) => onChange({ ...filters, [key]: e.target.value || null })} />
    </label>
  );
  return (
    <div className="toolbar" role="search" aria-label="Filter executions">
      {select('Status', 'status', EXECUTION_STATUSES)}
      {select('Trigger', 'trigger', TRIGGER_TYPES)}
      {day('Started from', 'from')}
      {day('to', 'to')}
    </div>
  );
}

export function ExecutionsTable({ workflowId }: { workflowId: string | null }) {
  const [location, navigate] = useLocation();
  const search = useSearch();
  const params = new URLSearchParams(search);
  const filters = parseExecutionFilters(params);
  const filter = toExecutionFilter(filters, workflowId);
  const key = JSON.stringify(filter);
  const [paging, setPaging] = useState({ key, after: null as string | null });
  const after = paging.key === key ? paging.after : null;
  const [{ data, fetching, error }] = useQuery({ query: ExecutionList, variables: { filter, first: PAGE, after } });
  // New runs make the list refetch its first page (src/api/updates.ts); status changes update
  // the cached executions in place. Subscribed once the first load is in (a late answer of it
  // cannot then stand over a newer event); READY makes the list load again, so a change
  // between that load and the subscription's start is not missed either.
  useSubscription({ query: ExecutionsLive, variables: { filter }, pause: !data });
  const change = (next: ExecutionFilters) => {
    const query = withExecutionFilters(params, next).toString();
    navigate(query ? `${location}?${query}` : location, { replace: true });
  };
  const rows = data?.executions.edges.map((edge) => edge.node) ?? [];
  const page = data?.executions.pageInfo;
  const filtered = !!(filters.status || filters.trigger || filters.from || filters.to);
  return (
    <section aria-label="Executions">
      <FilterBar filters={filters} onChange={change} />
      {error && (
        <p className="error" role="alert">
          {error.graphQLErrors[0]?.message ?? 'The executions could not be loaded.'}
        </p>
      )}
      {!data && fetching && <p className="muted">Loading…</p>}
      {data && rows.length === 0 && (
        <div className="empty">{filtered ? 'No execution matches these filters.' : 'No executions yet: Run starts one.'}</div>
      )}
      {rows.length > 0 && (
        <table className="table" aria-label="Execution list">
          <thead>
            <tr>
              <th>Execution</th>
              {!workflowId && <th>Workflow</th>}
              <th>Status</th>
              <th>Started</th>
              <th>Ended</th>
              <th>Duration</th>
              <th>Triggered by</th>
              <th>Trigger</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <Row key={e.id} execution={e} showWorkflow={!workflowId} />
            ))}
          </tbody>
        </table>
      )}
      {page?.hasNextPage && (
        <button type="button" className="button" disabled={fetching} onClick={() => setPaging({ key, after: page.endCursor ?? null })}>
          Load more
        </button>
      )}
    </section>
  );
}

export function ExecutionsScreen() {
  return (
    <section>
      <header className="screen-header">
        <h1>Executions</h1>
        <p className="muted">Every run of the workflows you may read, live.</p>
      </header>
      <ExecutionsTable workflowId={null} />
    </section>
  );
}
