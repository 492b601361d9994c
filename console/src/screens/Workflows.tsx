// The workflows of the organization: status, version, who manages them (git file or API),
// deployment, last run and tags; filtered by status, tag and a search, all kept in the address.
import { GitBranch, Plus, Search, SquareCode, X } from 'lucide-react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { Link, useLocation, useSearch } from 'wouter';
import { ExecutionStatusBadge } from '../components/ExecutionStatusBadge';
import { StatusBadge } from '../components/StatusBadge';
import { ago } from '../components/time';
import { graphql } from '../gql';
import type { WorkflowsQuery } from '../gql/graphql';
import { NewWorkflowDialog } from './NewWorkflowDialog';
import { STATUSES, filtersToSearch, parseFilters, toWorkflowFilter, type Filters } from './workflowFilters';

const WorkflowsList = graphql(`
  query Workflows($filter: WorkflowFilter, $first: Int, $after: Cursor) {
    workflows(filter: $filter, first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          name
          description
          status
          version
          managedBy
          sourcePath
          syncStatus
          syncError
          tags
          deploymentPhase
          deploymentError
          updatedAt
          lastRun: executions(first: 1) {
            nodes {
              id
              status
              createdAt
            }
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

type Workflow = WorkflowsQuery['workflows']['edges'][number]['node'];
const PAGE = 50;
const SYNC_PROBLEMS = new Set(['FAILED', 'ERROR', 'CONFLICT', 'ORPHANED']);

function ManagedBy({ workflow }: { workflow: Workflow }) {
  if (workflow.managedBy !== 'GIT') {
    return (
      <span className="managed">
        <SquareCode size={14} aria-hidden /> API
      </span>
    );
  }
  const problem = workflow.syncStatus && SYNC_PROBLEMS.has(workflow.syncStatus);
  return (
    <span className="managed" title={workflow.syncError ?? undefined}>
      <GitBranch size={14} aria-hidden /> git <code>{workflow.sourcePath}</code>
      {problem && <span className="sync-problem">sync {workflow.syncStatus?.toLowerCase()}</span>}
    </span>
  );
}

function LastRun({ workflow }: { workflow: Workflow }) {
  const last = workflow.lastRun.nodes[0];
  if (!last) return <span className="muted">never</span>;
  return (
    <Link href={`/executions/${last.id}`} title={last.createdAt} data-testid="last-run">
      <ExecutionStatusBadge status={last.status} /> <span className="muted small">{ago(last.createdAt)}</span>
    </Link>
  );
}

function Row({ workflow, onTag }: { workflow: Workflow; onTag(tag: string): void }) {
  return (
    <tr data-testid="workflow-row" data-name={workflow.name}>
      <td>
        <Link href={`/workflows/${workflow.id}`} className="name">
          {workflow.name}
        </Link>
        {workflow.description && <div className="muted">{workflow.description}</div>}
      </td>
      <td>
        <StatusBadge status={workflow.status} />
      </td>
      <td className="num">v{workflow.version}</td>
      <td>
        <ManagedBy workflow={workflow} />
      </td>
      <td>
        {workflow.deploymentPhase ? (
          <span className="phase" data-phase={workflow.deploymentPhase} title={workflow.deploymentError ?? undefined}>
            {workflow.deploymentPhase.toLowerCase()}
          </span>
        ) : (
          <span className="muted">not deployed</span>
        )}
      </td>
      <td>
        <LastRun workflow={workflow} />
      </td>
      <td>
        <div className="tags">
          {workflow.tags.map((tag) => (
            <button key={tag} type="button" className="tag" onClick={() => onTag(tag)} title={`Only “${tag}”`}>
              {tag}
            </button>
          ))}
        </div>
      </td>
      <td className="muted" title={workflow.updatedAt}>
        {ago(workflow.updatedAt)}
      </td>
    </tr>
  );
}

function Toolbar({ filters, onChange }: { filters: Filters; onChange(next: Filters): void }) {
  const [text, setText] = useState(filters.search);
  useEffect(() => setText(filters.search), [filters.search]);
  useEffect(() => {
    if (text === filters.search) return undefined;
    const timer = setTimeout(() => onChange({ ...filters, search: text }), 250);
    return () => clearTimeout(timer);
  }, [text, filters, onChange]);
  return (
    <div className="toolbar" role="search">
      <label className="search">
        <Search size={16} aria-hidden />
        <input
          type="search"
          aria-label="Search workflows"
          placeholder="Search by name or description"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      <label className="select">
        <span>Status</span>
        <select
          value={filters.status ?? ''}
          onChange={(e) => onChange({ ...filters, status: (e.target.value || null) as Filters['status'] })}
        >
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.toLowerCase()}
            </option>
          ))}
        </select>
      </label>
      {filters.tag && (
        <button type="button" className="tag active" onClick={() => onChange({ ...filters, tag: null })}>
          tag: {filters.tag} <X size={12} aria-label="clear tag filter" />
        </button>
      )}
    </div>
  );
}

export function WorkflowsScreen() {
  const [, navigate] = useLocation();
  const search = useSearch();
  const filters = useMemo(() => parseFilters(search), [search]);
  const filterKey = filtersToSearch(filters);
  // Pages already loaded belong to one set of filters; other filters start at the first page.
  const [paging, setPaging] = useState({ key: filterKey, after: null as string | null });
  const after = paging.key === filterKey ? paging.after : null;
  const [{ data, fetching, error }] = useQuery({
    query: WorkflowsList,
    variables: { filter: toWorkflowFilter(filters), first: PAGE, after },
    // Each visit refreshes what the cache showed: runs started elsewhere change the last run.
    requestPolicy: 'cache-and-network',
  });
  const change = useCallback(
    (next: Filters) => navigate(`/workflows${filtersToSearch(next)}`, { replace: true }),
    [navigate],
  );
  const workflows = data?.workflows.edges.map((edge) => edge.node) ?? [];
  const page = data?.workflows.pageInfo;
  const [creating, setCreating] = useState(false);

  return (
    <section>
      <header className="screen-header row">
        <div>
          <h1>Workflows</h1>
          <p className="muted">Synced from git or created through the API.</p>
        </div>
        <button type="button" className="button primary" onClick={() => setCreating(true)}>
          <Plus size={16} aria-hidden /> New workflow
        </button>
      </header>
      {creating && <NewWorkflowDialog onClose={() => setCreating(false)} />}
      <Toolbar filters={filters} onChange={change} />
      {error && (
        <p className="error" role="alert">
          {error.graphQLErrors[0]?.message ?? 'The workflows could not be loaded.'}
        </p>
      )}
      {!data && fetching && <p className="muted">Loading…</p>}
      {data && workflows.length === 0 && (
        <div className="empty">
          {filterKey ? (
            <p>No workflow matches these filters.</p>
          ) : (
            <p>
              No workflows yet: commit one to <code>workflows.d/</code> or create one with <em>New workflow</em>.
            </p>
          )}
        </div>
      )}
      {workflows.length > 0 && (
        <table className="table" aria-label="Workflows">
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Version</th>
              <th>Managed by</th>
              <th>Deployment</th>
              <th>Last run</th>
              <th>Tags</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {workflows.map((workflow) => (
              <Row key={workflow.id} workflow={workflow} onTag={(tag) => change({ ...filters, tag })} />
            ))}
          </tbody>
        </table>
      )}
      {page?.hasNextPage && (
        <button type="button" className="button" disabled={fetching} onClick={() => setPaging({ key: filterKey, after: page.endCursor ?? null })}>
          Load more
        </button>
      )}
    </section>
  );
}
